/**
 * Whisper segments -> the pieces of OpenAI's transcription replies: the joined text, verbose_json `segments[]` with
 * every field strict clients require, `words[]`, `logprobs[]` and `usage`. Pure functions.
 */
import { segmentsToWords } from '../../transcription/words.ts'
import type { TranscribedSegment } from '../../engine/types.ts'
import { avgLogprob, compressionRatio, tokenLogprob } from './metrics.ts'

export interface OpenAiSegment {
  id: number
  /** where the segment starts, in whisper's 10 ms mel frames (openai-whisper reports its window offset there) */
  seek: number
  start: number
  end: number
  text: string
  tokens: number[]
  temperature: number
  avg_logprob: number
  compression_ratio: number
  no_speech_prob: number
}

export interface OpenAiWord { word: string, start: number, end: number }

export interface OpenAiLogprob { token: string, bytes: number[], logprob: number }

export interface DurationUsage { type: 'duration', seconds: number }

export interface TokenUsage {
  type: 'tokens'
  input_tokens: number
  input_token_details: { text_tokens: number, audio_tokens: number }
  output_tokens: number
  total_tokens: number
}

/** whisper's encoder sees 50 positions per second of audio (1500 per 30 s window): earshot's "audio tokens". */
const AUDIO_TOKENS_PER_SECOND = 50
const MEL_FRAMES_PER_SECOND = 100
const EDGE_PUNCT_RE = /^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu

/** The transcript as OpenAI gives it: the segments' text joined (each starts with its own space), trimmed. */
export function joinedText (segments: readonly Pick<TranscribedSegment, 'text'>[]): string {
  return segments.map((s) => s.text).join('').trim()
}

/** verbose_json segments; `temperature` is the one the decode ran at (the engine reports none per segment). */
export function buildSegments (segments: readonly TranscribedSegment[], options: { temperature: number }): OpenAiSegment[] {
  return segments.map((s, id) => ({
    id,
    seek: Math.max(0, Math.floor(s.start * MEL_FRAMES_PER_SECOND)),
    start: s.start,
    end: s.end,
    text: s.text,
    tokens: s.tokens.flatMap((t) => typeof t.id === 'number' ? [t.id] : []),
    temperature: options.temperature,
    avg_logprob: avgLogprob(s.tokens),
    compression_ratio: compressionRatio(s.text),
    no_speech_prob: s.noSpeechProb ?? 0
  }))
}

/** Word timestamps: whisper's BPE tokens merged into words, edge punctuation removed, case kept (as OpenAI does). */
export function buildWords (segments: readonly TranscribedSegment[], duration: number): OpenAiWord[] {
  return segmentsToWords([...segments], { duration }).words.flatMap((w) => {
    const word = w.punctuated_word.replace(EDGE_PUNCT_RE, '')
    return word === '' ? [] : [{ word, start: w.start, end: w.end }]
  })
}

/** `include[]=logprobs`: each text token with its UTF-8 bytes and log-probability. */
export function buildLogprobs (segments: readonly Pick<TranscribedSegment, 'tokens'>[]): OpenAiLogprob[] {
  return segments.flatMap((s) => s.tokens.map((t) => ({
    token: t.text,
    bytes: [...Buffer.from(t.text, 'utf8')],
    logprob: tokenLogprob(t)
  })))
}

/** What whisper-1 reports for json and verbose_json: the audio's duration in whole seconds, rounded up. */
export function durationUsage (duration: number): DurationUsage {
  return { type: 'duration', seconds: Math.ceil(Math.max(0, duration)) }
}

/**
 * The token usage of the stream's `transcript.text.done`: output tokens are the text tokens whisper produced;
 * input tokens are the encoder positions the audio fills (the prompt's tokens are not counted: the engine does not
 * report them).
 */
export function tokenUsage (segments: readonly Pick<TranscribedSegment, 'tokens'>[], duration: number): TokenUsage {
  const audio = Math.ceil(Math.max(0, duration) * AUDIO_TOKENS_PER_SECOND)
  const output = segments.reduce((n, s) => n + s.tokens.length, 0)
  return {
    type: 'tokens',
    input_tokens: audio,
    input_token_details: { text_tokens: 0, audio_tokens: audio },
    output_tokens: output,
    total_tokens: audio + output
  }
}
