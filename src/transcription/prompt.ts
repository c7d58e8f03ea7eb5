/**
 * Whisper's initial prompt, settled in the plan: counted in the model's own tokens (src/engine/tokenizer.ts) and
 * cut to what whisper reads (its prompt window: the last 223 tokens) before anything is decoded, so whisper is
 * handed token ids it keeps whole, and every cut is said rather than left to whisper to make silently.
 *
 * Two shapes, as the protocols use them:
 * - free text (OpenAI `prompt`, "text to continue"): past the window its OLDEST part is left out, which is what
 *   OpenAI documents for whisper-1 and what whisper itself does;
 * - terms (Deepgram keyterm, keywords): joined with ", " as one prompt; whole terms are kept in the order given
 *   while they fit the window and the rest left out (a term cut in half helps nobody); a protocol may refuse more
 *   than `maxTokens` in all (Deepgram refuses keyterms over 500 tokens).
 */
import type { PromptTokenizer } from '../engine/types.ts'
import { checkLength, fieldError, LIMITS } from './limits.ts'

/** Something the plan changed in a request that the client should hear of (metadata.warnings, a log line). */
export interface PlanNote {
  /** The field, in the protocol's own name. */
  field: string
  message: string
}

export interface PromptRequest {
  text?: string | undefined
  terms?: { values: readonly string[], maxTokens?: number | undefined } | undefined
}

export interface SettledPrompt {
  tokens: number[] | undefined
  notes: PlanNote[]
}

const TERM_SEPARATOR = ', '

/** `names.prompt` and `names.terms` are the fields' names in the client's protocol (`prompt`, `keyterm`…). */
export function settlePrompt (tokenizer: PromptTokenizer, request: PromptRequest, names: { prompt: string, terms: string }): SettledPrompt {
  const text = request.text?.trim() ?? ''
  const terms = (request.terms?.values ?? []).map((t) => t.trim()).filter((t) => t !== '')
  if (text !== '' && terms.length > 0) throw new Error('a prompt is either text or terms')
  if (text !== '') {
    checkLength(names.prompt, text, LIMITS.promptChars)
    const tokens = tokenizer.encode(text)
    if (tokens.length <= tokenizer.window) return { tokens: orUndefined(tokens), notes: [] }
    return {
      tokens: tokens.slice(-tokenizer.window),
      notes: [{
        field: names.prompt,
        message: `${names.prompt}: ${tokens.length} tokens; whisper reads the last ${tokenizer.window}, so the first ${tokens.length - tokenizer.window} were left out.`
      }]
    }
  }
  if (terms.length === 0) return { tokens: undefined, notes: [] }
  checkLength(names.terms, terms.join(TERM_SEPARATOR), LIMITS.termsChars)
  const all = tokenizer.encode(terms.join(TERM_SEPARATOR))
  const maxTokens = request.terms?.maxTokens
  if (maxTokens !== undefined && all.length > maxTokens) {
    throw fieldError(names.terms, `${names.terms}: the terms come to ${all.length} tokens; at most ${maxTokens} are accepted.`)
  }
  if (all.length <= tokenizer.window) return { tokens: all, notes: [] }
  // the most leading terms that fit: the count of a join only grows with each term added, so halving finds it
  const tokensOf = (n: number): number[] => tokenizer.encode(terms.slice(0, n).join(TERM_SEPARATOR))
  let fit = 0
  let lo = 1
  let hi = terms.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (tokensOf(mid).length <= tokenizer.window) { fit = mid; lo = mid + 1 } else hi = mid - 1
  }
  const left = terms.length - fit
  const kept = fit === 0 ? 'the first term alone is longer, so none is used' : `the first ${fit} of ${terms.length} terms are used, the last ${left} left out`
  return {
    tokens: orUndefined(tokensOf(fit)),
    notes: [{ field: names.terms, message: `${names.terms}: the terms come to ${all.length} tokens and whisper's prompt holds ${tokenizer.window}: ${kept}.` }]
  }
}

const orUndefined = (tokens: number[]): number[] | undefined => (tokens.length === 0 ? undefined : tokens)
