/**
 * Deepgram's /v1/listen query (REST and live share it) -> the protocol-neutral PlanRequest, and what it asks of
 * the reply itself (DeepgramReply). Values arrive already validated and typed by the zod schemas (./rest-schema.ts,
 * ./live/query.ts).
 */
import type { PlanRequest } from '../../transcription/plan.ts'
import type { DeepgramReply } from './response.ts'
import { DEFAULT_UTT_SPLIT } from './structure.ts'

/** The parsed query fields both Deepgram schemas produce (all optional). */
export interface DeepgramQuery {
  model?: string | undefined
  language?: string | undefined
  /** A list of candidate languages counts as detection (candidates are not enforced: see parameters.ts). */
  detect_language?: boolean | string[] | undefined
  punctuate?: boolean | undefined
  smart_format?: boolean | undefined
  numerals?: boolean | undefined
  profanity_filter?: boolean | undefined
  redact?: string[] | undefined
  replace?: string[] | undefined
  search?: string[] | undefined
  dictation?: boolean | undefined
  measurements?: boolean | undefined
  filler_words?: boolean | undefined
  diarize?: boolean | undefined
  diarize_model?: string | undefined
  utterances?: boolean | undefined
  utt_split?: number | undefined
  paragraphs?: boolean | undefined
  multichannel?: boolean | undefined
  keyterm?: string[] | undefined
  keywords?: string[] | undefined
  tag?: string[] | undefined
  extra?: string[] | undefined
  audio_ctx?: number | 'auto' | undefined
  /** earshot extension (REST): false turns VAD off for this request. */
  vad?: boolean | undefined
}

/** `redact=true` is Deepgram's older spelling of the default redaction set; `false` turns it off. */
function redactions (values: string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined
  const out = new Set<string>()
  for (const v of values.flatMap((x) => x.split(','))) {
    const k = v.trim().toLowerCase()
    if (k === '' || k === 'false') continue
    if (k === 'true') ['pci', 'ssn', 'numbers'].forEach((x) => out.add(x))
    else out.add(k)
  }
  return [...out]
}

/** `replace=find:replacement`; a term without `:` is removed. */
function replacements (values: string[] | undefined): Array<{ find: string, replace: string }> | undefined {
  return values?.map((v) => {
    const at = v.lastIndexOf(':')
    return at < 0 ? { find: v, replace: '' } : { find: v.slice(0, at), replace: v.slice(at + 1) }
  }).filter((r) => r.find.trim() !== '')
}

/** Deepgram refuses keyterms past this many tokens (docs: Keyterm Prompting); whisper reads fewer (223): see prompt.ts. */
export const KEYTERM_TOKEN_LIMIT = 500

/** keyterm values and keywords (`word:intensifier`, the intensifier has no whisper equivalent) are whisper's prompt terms. */
function promptTerms (query: DeepgramQuery): { name: string, values: string[] } | undefined {
  const keyterm = query.keyterm ?? []
  const keywords = (query.keywords ?? []).map((k) => k.replace(/:-?\d+(\.\d+)?$/, ''))
  if (keyterm.length + keywords.length === 0) return undefined
  // one parameter to name in errors and warnings: keyterm (Nova-3's) unless only keywords were sent
  return { name: keyterm.length > 0 ? 'keyterm' : 'keywords', values: [...keyterm, ...keywords] }
}

export function deepgramPlanRequest (query: DeepgramQuery, defaults: { audioCtx?: number | 'auto' } = {}): PlanRequest {
  // Deepgram's `language=multi` (code-switching) is whisper's detection.
  const multi = query.language?.trim().toLowerCase() === 'multi'
  const terms = promptTerms(query)
  return {
    model: query.model,
    language: multi ? undefined : query.language,
    detectLanguage: query.detect_language === true || Array.isArray(query.detect_language) || multi,
    terms: terms === undefined ? undefined : { values: terms.values, maxTokens: KEYTERM_TOKEN_LIMIT },
    names: { terms: terms?.name ?? 'keyterm' },
    audioCtx: query.audio_ctx ?? defaults.audioCtx,
    vad: query.vad,
    text: {
      punctuate: query.punctuate,
      // smart_format implies punctuation, as Deepgram documents
      ...(query.smart_format === true && query.punctuate === undefined ? { punctuate: true } : {}),
      smartFormat: query.smart_format,
      numerals: query.numerals,
      profanityFilter: query.profanity_filter,
      redact: redactions(query.redact),
      replace: replacements(query.replace),
      search: query.search?.map((s) => s.trim()).filter((s) => s !== ''),
      dictation: query.dictation,
      measurements: query.measurements,
      fillerWords: query.filler_words
    },
    multichannel: query.multichannel
  }
}

/** Deepgram's `extra=key:value` pairs, echoed in metadata.extra. */
export function extraOf (values: string[] | undefined): Record<string, string> | undefined {
  if (values === undefined || values.length === 0) return undefined
  return Object.fromEntries(values.map((v) => {
    const at = v.indexOf(':')
    return at < 0 ? [v, ''] : [v.slice(0, at), v.slice(at + 1)]
  }))
}

/** The reply's own options: utterances, paragraphs, diarize and what it echoes (warnings are added by the route). */
export function deepgramReply (query: DeepgramQuery): DeepgramReply {
  return {
    utterances: query.utterances === true,
    uttSplit: query.utt_split ?? DEFAULT_UTT_SPLIT,
    paragraphs: query.paragraphs === true,
    diarize: query.diarize === true || query.diarize_model !== undefined,
    tags: query.tag,
    extra: extraOf(query.extra)
  }
}
