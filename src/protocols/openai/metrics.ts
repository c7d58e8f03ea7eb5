/**
 * The per-segment quality figures of OpenAI's verbose_json, computed the way openai-whisper defines them, so the
 * thresholds clients apply (compression_ratio > 2.4 = repetitive, avg_logprob < -1 = unsure) mean the same here.
 */
import { deflate } from 'pako'
import type { TranscribedToken } from '../../engine/types.ts'

/** Floor for a token probability before its log: whisper reports 0 for some tokens and log(0) is -Infinity. */
const MIN_PROBABILITY = 1e-10

/**
 * UTF-8 length of the text over the length of its zlib compression (openai-whisper's `compression_ratio`: zlib
 * with its default level, header and checksum included). Repetitive text compresses well and scores high.
 * pako, not node:zlib: Node's bundled zlib (Chromium's fork) emits a few bytes more on short text than the
 * reference zlib Python uses, and pako's output is byte-identical to the reference.
 */
export function compressionRatio (text: string): number {
  const bytes = Buffer.from(text, 'utf8')
  if (bytes.length === 0) return 0
  return bytes.length / deflate(bytes).length
}

/** A token's log-probability: the engine's own when it reports one, else the log of its probability. */
export function tokenLogprob (token: Pick<TranscribedToken, 'probability'> & { logprob?: number }): number {
  if (token.logprob !== undefined && Number.isFinite(token.logprob)) return Math.min(0, token.logprob)
  const p = Number.isFinite(token.probability) ? token.probability : 0
  return Math.log(Math.min(1, Math.max(MIN_PROBABILITY, p)))
}

/** Mean log-probability of a segment's tokens; 0 for a segment without tokens (nothing was doubted). */
export function avgLogprob (tokens: ReadonlyArray<Pick<TranscribedToken, 'probability'> & { logprob?: number }>): number {
  if (tokens.length === 0) return 0
  return tokens.reduce((sum, t) => sum + tokenLogprob(t), 0) / tokens.length
}
