/**
 * Every query parameter of Deepgram's /v1/listen (REST: deepgram-openapi.yml, live: deepgram-asyncapi.yml), as zod
 * fields shared by both routes so /docs lists them all. The ones earshot cannot honour are accepted, reported in
 * `metadata.warnings` (REST) or a log line (live), and ignored — a client sending them never fails.
 */
import { z } from 'zod'
import { quoted } from '../../errors.ts'

/** Deepgram's boolean query parameters: the strings `true` and `false`, nothing else. */
export const flag = z.enum(['true', 'false']).transform((v) => v === 'true')

/** A query parameter that may be given once or repeated (`keyterm=a&keyterm=b`). */
export const repeated = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]))

const boolParam = (what: string) => flag.optional().describe(what)
const listParam = (what: string) => repeated.optional().describe(what)

/** `detect_language=true|false`, or languages to choose from (`detect_language=en&detect_language=es`). */
const detectLanguage = z.union([z.array(z.string()), z.string()]).transform((v) => {
  const values = (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== '')
  if (values.length === 1 && (values[0] === 'true' || values[0] === 'false')) return values[0] === 'true'
  return values.length === 0 ? false : values
})

/** Parameters that change the transcript or its structure, on REST and live alike. */
export const transcriptParameters = {
  model: z.string().min(1).optional()
    .describe('An installed model (`base.en`, see GET /v1/models) or an alias: Deepgram `nova-3`, `nova-2-*`, `whisper-small`…, OpenAI `whisper-1` (docs/models.md "Model aliases", MODEL_ALIASES). Default: DEFAULT_MODEL'),
  version: z.string().min(1).optional().describe("Deepgram's model version (e.g. `latest`): accepted; each installed model has one version"),
  language: z.string().min(1).optional().describe('BCP-47 language tag (`en`, `de`, `en-US`…), or `multi` for detection. Default: English'),
  punctuate: boolParam('Punctuation and capitalisation (default true: whisper punctuates on its own); false gives lower-case words without punctuation'),
  smart_format: boolParam('Readable numbers, dates, times, currency, emails and URLs (implies punctuate)'),
  numerals: boolParam('Spoken numbers as digits ("twenty one" -> 21)'),
  profanity_filter: boolParam('Profanity masked with asterisks'),
  redact: listParam('`pci` (card number, expiry, CVV), `ssn`, `numbers` (or `true`), `aggressive_numbers`, `pii`, `phi` or one entity type; repeatable. Redacted words become Deepgram\'s numbered placeholders: `[CREDIT_CARD_1]`, `[SSN_1]`, `[NUMERICAL_PII_1]`…'),
  replace: listParam('`find:replacement` (repeatable); a term without `:` is removed'),
  search: listParam('Terms or phrases to find; hits with times go to results.channels[].search'),
  dictation: boolParam('Spoken punctuation commands ("comma", "period", "new line") become punctuation'),
  measurements: boolParam('Spoken measurements as abbreviations ("five kilograms" -> 5 kg)'),
  filler_words: boolParam('Accepted. Whisper leaves out filler words (uh, um), so true adds none (a warning says so)'),
  diarize: boolParam('Words carry `speaker` and `speaker_confidence`. No diarization model runs: each channel is one speaker (0)'),
  diarize_model: z.enum(['latest', 'v1', 'v2']).optional().describe('Enables diarize (see there); the version is ignored'),
  multichannel: boolParam('Transcribe each channel on its own into results.channels[i] (REST; live mixes to mono)'),
  keyterm: listParam('Terms to favour (passed to whisper as its initial prompt)'),
  keywords: listParam('`word` or `word:intensifier`; the words join the initial prompt'),
  tag: listParam('Labels echoed back in metadata.tags'),
  extra: listParam('`key:value` pairs echoed back in metadata.extra'),
  mip_opt_out: boolParam('Accepted: earshot never keeps or shares audio, so every request is opted out'),
  // A string in the query (and in /docs, where Swagger UI renders a union as a select offering only `auto`)
  audio_ctx: z.string().regex(/^(auto|\d{1,4})$/, 'expected auto or a number of frames, 0 to 1500')
    .transform((v) => (v === 'auto' ? 'auto' as const : Number(v)))
    .pipe(z.union([z.literal('auto'), z.number().int().min(0).max(1500)])).optional()
    .describe('earshot extension: whisper encoder context in frames (0 = full 30 s window, auto = sized to the audio). Smaller is faster on short audio and may cost accuracy'),
  callback: z.string().optional().describe('REST: queue the request and send the response to this URL when ready (the reply is `{"request_id"}` at once). Live: not supported (ignored)'),
  // Live's spec (deepgram-asyncapi.yml) allows four methods; live ignores callbacks. REST narrows it below.
  callback_method: z.enum(['POST', 'PUT', 'GET', 'DELETE', 'post', 'put', 'get', 'delete']).optional().describe('Live: not supported (ignored)'),
  // accepted, not implemented: see UNSUPPORTED
  detect_entities: boolParam('Not supported (warning)')
}

/** Audio intelligence and other REST-only parameters. */
export const restParameters = {
  detect_language: detectLanguage.optional()
    .describe('Detect the spoken language into detected_language (multilingual models); a list of languages is accepted, detection considers all'),
  vad: boolParam('earshot extension: `false` decodes every second of the audio. By default (config VAD) Silero VAD finds the speech first and only speech reaches whisper, so silence and noise cannot turn into invented text and long pauses cost nothing; times stay times in the original audio'),
  utterances: boolParam('Add results.utterances'),
  utt_split: z.coerce.number().positive().max(60).optional().describe('Pause in seconds that splits utterances (default 0.8)'),
  paragraphs: boolParam('Add paragraphs to each alternative'),
  // REST's spec (deepgram-openapi.yml) allows POST and PUT: the method the job's response is delivered with
  callback_method: z.enum(['POST', 'PUT', 'post', 'put']).optional().describe('HTTP method of the callback request (default POST)'),
  encoding: z.string().min(1).optional().describe('Headerless audio: linear16, linear32, mulaw or alaw (needs sample_rate)'),
  sample_rate: z.coerce.number().int().positive().optional().describe('Sample rate of headerless audio in Hz'),
  channels: z.coerce.number().int().min(1).max(32).optional().describe('Channels of headerless audio (default 1)'),
  sentiment: boolParam('Not supported (warning)'),
  summarize: z.string().optional().describe('Not supported (warning)'),
  topics: boolParam('Not supported (warning)'),
  custom_topic: listParam('Not supported (warning)'),
  custom_topic_mode: z.enum(['extended', 'strict']).optional().describe('Not supported (warning)'),
  intents: boolParam('Not supported (warning)'),
  custom_intent: listParam('Not supported (warning)'),
  custom_intent_mode: z.enum(['extended', 'strict']).optional().describe('Not supported (warning)')
}

/** Accepted and ignored: earshot cannot do what these ask (REST reports them in metadata.warnings when set; live also lists callback). */
export const UNSUPPORTED = new Set([
  'callback', 'callback_method', 'detect_entities', 'sentiment', 'summarize', 'topics', 'custom_topic',
  'custom_topic_mode', 'intents', 'custom_intent', 'custom_intent_mode'
])

/** Supported on REST (async jobs, src/jobs/), not on live. */
const REST_ASYNC: ReadonlySet<string> = new Set(['callback', 'callback_method'])

export interface Warning { parameter: string, type: string, message: string }

/** What the plan left out of the request (keyterms past whisper's prompt window), as metadata.warnings. */
export function planWarnings (notes: ReadonlyArray<{ field: string, message: string }>): Warning[] {
  return notes.map((n) => ({ parameter: n.field, type: 'partial_support', message: n.message }))
}

/**
 * metadata.warnings for a parsed REST query: unsupported Deepgram parameters that ask for something, parameters
 * Deepgram does not define, and the honest notes (filler words, language lists for detection).
 */
export function parameterWarnings (query: Record<string, unknown>, known: ReadonlySet<string>): Warning[] {
  const warnings: Warning[] = []
  for (const [parameter, value] of Object.entries(query)) {
    if (value === undefined || value === false) continue
    if (!known.has(parameter)) {
      // the name is the client's: echoed only in part
      const name = parameter.length > 64 ? `${parameter.slice(0, 64)}…` : parameter
      warnings.push({ parameter: name, type: 'unsupported_parameter', message: `${quoted(parameter, 64)} is not a parameter this server knows; it was ignored.` })
    } else if (UNSUPPORTED.has(parameter) && !REST_ASYNC.has(parameter)) {
      warnings.push({ parameter, type: 'unsupported_parameter', message: `'${parameter}' is not supported by this server and was ignored.` })
    }
  }
  if (query.filler_words === true) {
    warnings.push({ parameter: 'filler_words', type: 'unsupported_parameter', message: 'Whisper leaves out filler words (uh, um); none are added.' })
  }
  if (Array.isArray(query.detect_language)) {
    warnings.push({ parameter: 'detect_language', type: 'partial_support', message: 'Detection considers every language the model knows, not only the listed ones.' })
  }
  return warnings
}
