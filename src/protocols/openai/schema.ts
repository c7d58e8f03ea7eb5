/**
 * OpenAI's audio API as zod schemas: the multipart form of /v1/audio/transcriptions and /v1/audio/translations
 * (validated by the route, rendered as an upload form in /docs) and the replies (documentation only).
 * Field names are exactly OpenAI's, including the `[]` its SDKs append to array fields.
 */
import { z } from 'zod'
import { LIMITS } from '../../transcription/limits.ts'

export const RESPONSE_FORMATS = ['json', 'text', 'srt', 'verbose_json', 'vtt'] as const
export type ResponseFormat = typeof RESPONSE_FORMATS[number]

/** Form booleans: OpenAI's SDKs send `true` / `false`. */
const formFlag = z.enum(['false', 'true']).transform((v) => v === 'true').meta({ example: 'false' })

/**
 * The form as the multipart parser gives it -> what the schema validates, in place: a field sent once arrives as a
 * plain value and becomes a one-element array where the field may repeat; the bracket-less spellings some clients
 * use (`include=logprobs`) join the `[]` ones; empty text fields (HTML forms and Swagger UI send them) mean unset.
 */
export const ARRAY_FIELDS = ['timestamp_granularities[]', 'include[]'] as const

export function normalizeForm (body: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(body)) {
    if (value === '' || (Array.isArray(value) && value.every((v) => v === ''))) delete body[key]
  }
  for (const key of ARRAY_FIELDS) {
    const plain = key.slice(0, -2)
    const values = [body[key], body[plain]].flat().filter((v) => v !== undefined && v !== '')
    delete body[plain]
    if (values.length > 0) body[key] = values
    else delete body[key]
  }
}

const repeatedEnum = <T extends readonly [string, ...string[]]>(values: T) => z.array(z.enum(values))

const file = z.instanceof(Buffer, { error: 'expected an uploaded audio file (a form part with a filename)' })
  .meta({ type: 'string', format: 'binary', description: 'The audio file: flac, mp3, mp4/m4a, ogg, wav or webm (anything /v1/listen decodes)' })

const model = z.string().trim().min(1).max(LIMITS.modelChars).optional()
  .describe('`whisper-1`, `gpt-4o-transcribe`, `gpt-4o-mini-transcribe` (aliases of the default model) or an installed model name (GET /v1/models). Default: DEFAULT_MODEL')
  .meta({ example: 'whisper-1' })

const prompt = z.string().max(LIMITS.promptChars).optional()
  .describe("Text to guide the model's style or continue a previous segment (whisper's initial prompt). Whisper reads its last 223 tokens; an older part is left out, as OpenAI does for whisper-1")
  .meta({ example: '' })

const temperature = z.coerce.number().min(0).max(1).optional()
  .describe('Sampling temperature between 0 and 1 (0 = greedy decoding)').meta({ example: 0 })

const granularities = repeatedEnum(['word', 'segment'] as const).optional()
  .describe('verbose_json only: `segment` (the default) and/or `word` timestamps').meta({ example: ['segment'] })

const vad = formFlag.optional()
  .describe('earshot extension: `false` decodes every second of the audio. By default (config VAD) Silero VAD finds the speech first, so silence and noise never become text; times stay times in the original audio')

const include = repeatedEnum(['logprobs'] as const).optional()
  .describe('`logprobs`: the log probability of each token (json and stream replies)').meta({ example: [] })

export const transcriptionForm = z.looseObject({
  file,
  model,
  language: z.string().trim().min(1).max(LIMITS.languageChars).optional().describe('ISO-639-1 code of the spoken language (e.g. `en`). Default: detected (multilingual models)')
    .meta({ example: 'en' }),
  prompt,
  temperature,
  response_format: z.enum([...RESPONSE_FORMATS, 'diarized_json']).optional()
    .describe('`json` (default), `text`, `srt`, `verbose_json` or `vtt`. `diarized_json` is refused (no speaker diarization)')
    .meta({ example: 'json' }),
  'timestamp_granularities[]': granularities,
  stream: formFlag.optional().describe('`true`: Server-Sent Events, `transcript.text.delta` as segments complete, then `transcript.text.done`'),
  'include[]': include,
  chunking_strategy: z.string().optional().describe('Accepted for compatibility (`auto` or a server_vad object); whisper chunks the audio itself')
    .meta({ example: 'auto' }),
  vad
}).meta({ id: 'OpenAiTranscriptionRequest' })

export type TranscriptionForm = z.infer<typeof transcriptionForm>

export const translationForm = z.looseObject({
  file,
  model,
  prompt: prompt.describe('Text to guide the style, in English'),
  temperature,
  response_format: z.enum(RESPONSE_FORMATS).optional().describe('`json` (default), `text`, `srt`, `verbose_json` or `vtt`')
    .meta({ example: 'json' }),
  vad
}).meta({ id: 'OpenAiTranslationRequest' })

export type TranslationForm = z.infer<typeof translationForm>

const usageDuration = z.object({ type: z.literal('duration'), seconds: z.number() })

const logprob = z.object({ token: z.string(), bytes: z.array(z.number().int()), logprob: z.number() })

export const transcriptionJson = z.object({
  text: z.string(),
  logprobs: z.array(logprob).optional().describe('with include[]=logprobs'),
  usage: usageDuration
}).meta({ id: 'OpenAiTranscription', description: 'response_format=json' })

const segment = z.object({
  id: z.number().int(),
  seek: z.number().int(),
  start: z.number(),
  end: z.number(),
  text: z.string(),
  tokens: z.array(z.number().int()),
  temperature: z.number(),
  avg_logprob: z.number(),
  compression_ratio: z.number(),
  no_speech_prob: z.number()
}).meta({ id: 'OpenAiTranscriptionSegment' })

export const transcriptionVerbose = z.object({
  task: z.enum(['transcribe', 'translate']),
  language: z.string().describe('full English name, e.g. `english`'),
  duration: z.number(),
  text: z.string(),
  words: z.array(z.object({ word: z.string(), start: z.number(), end: z.number() })).optional()
    .describe('with timestamp_granularities[]=word'),
  segments: z.array(segment).optional().describe('unless timestamp_granularities[] leaves out `segment`'),
  usage: usageDuration
}).meta({ id: 'OpenAiTranscriptionVerbose', description: 'response_format=verbose_json' })

export const openAiError = z.object({
  error: z.object({
    message: z.string(),
    type: z.string().meta({ example: 'invalid_request_error' }),
    param: z.string().nullable(),
    code: z.string().nullable()
  })
}).meta({ id: 'OpenAiError', description: "OpenAI's error shape" })
