/**
 * How much of each text a request may carry, for every protocol: the plan (./plan.ts) checks these before any
 * audio is read or decoded, so nothing a client sends reaches whisper or the formatting code unbounded, whatever
 * transport it came by (a query string, a multipart field, a WebSocket message). Each refusal is a 400 naming
 * the field. The protocols' own schemas may be stricter; none may be looser.
 */
import { badRequest, quoted, type AppError } from '../errors.ts'

export const LIMITS = {
  /** A free-text prompt (OpenAI `prompt`), before tokenizing; whisper reads at most its last 223 tokens. */
  promptChars: 8192,
  /** Prompt terms (Deepgram keyterm + keywords), all together, before tokenizing. */
  termsChars: 8192,
  /** Search queries: each is scored against every window of the transcript, so their count and length are the cost. */
  searchTerms: 100,
  searchChars: 100,
  /** Find-and-replace rules, and each side of one. */
  replaceTerms: 200,
  replaceChars: 200,
  /** Redaction entity names (only known names do anything). */
  redactTerms: 50,
  redactChars: 64,
  /** A model name or alias; a language tag (BCP-47's longest useful form fits). */
  modelChars: 128,
  languageChars: 35
} as const

/** A field of the protocol-neutral plan, as errors name it unless the protocol gives its own name. */
export type PlanField = 'model' | 'language' | 'prompt' | 'terms' | 'search' | 'replace' | 'redact' | 'temperature'

/** A 400 for `field`, under the protocol's name for it. */
export const fieldError = (field: string, message: string): AppError => badRequest(message, { field })

export function checkLength (field: string, value: string, max: number): void {
  if (value.length > max) throw fieldError(field, `${field} is ${value.length} characters long; at most ${max} are accepted.`)
}

export function checkList (field: string, values: readonly string[], maxItems: number, maxChars: number): void {
  if (values.length > maxItems) throw fieldError(field, `${field} has ${values.length} values; at most ${maxItems} are accepted.`)
  const long = values.find((v) => v.length > maxChars)
  if (long !== undefined) {
    throw fieldError(field, `${field} value ${quoted(long)} is longer than ${maxChars} characters.`)
  }
}
