/**
 * One request, resolved once. Every protocol (Deepgram REST and live, OpenAI) turns its request into a
 * TranscriptionPlan before any expensive work — no URL is fetched and no audio decoded for a request that cannot
 * run — and hands the plan to the pipeline (./transcribe.ts). Model, language and their compatibility are settled
 * here and nowhere else: the English-only rule reads the model file's header (src/engine/model-file.ts).
 */
import { whisperLanguage } from '../engine/languages.ts'
import type { ModelDescription, Transcriber, TranscribeOptions } from '../engine/types.ts'
import { badRequest } from '../errors.ts'
import type { TextOptions } from './format/index.ts'
import { DEFAULT_UTT_SPLIT } from './structure.ts'
import type { VadSettings } from './vad/settings.ts'

export type Task = 'transcribe' | 'translate'

/** How the result is structured (the protocol decides what of it to show). */
export interface StructureOptions {
  /** Deepgram `utterances` and their split pause in seconds. */
  utterances: boolean
  uttSplit: number
  paragraphs: boolean
  /** Each channel transcribed on its own; otherwise channels are mixed to mono. */
  multichannel: boolean
  /** Words carry a speaker (one per channel: no diarization model runs yet). */
  diarize: boolean
}

export interface TranscriptionPlan {
  /** The installed model that will run (aliases resolved); `multilingual` comes from its file header. */
  model: ModelDescription
  /** The whisper language code to decode; undefined with detectLanguage, or for the model's default (English). */
  language: string | undefined
  detectLanguage: boolean
  task: Task
  /** Whisper's initial prompt (Deepgram keyterms/keywords, OpenAI `prompt`). */
  prompt: string | undefined
  temperature: number | undefined
  /** undefined = the engine's DEFAULT_AUDIO_CTX. */
  audioCtx: TranscribeOptions['audioCtx']
  text: TextOptions
  structure: StructureOptions
  /** Skip non-speech before the encoder with these settings (./speech-only.ts); undefined = decode everything. */
  vad: VadSettings | undefined
}

/** What the server decides when a request does not: VAD (config VAD and VAD_*). */
export interface PlanDefaults {
  vad?: { enabled: boolean, settings: VadSettings } | undefined
}

/** What a protocol asks for, in its own terms already mapped to ours; everything is optional. */
export interface PlanRequest {
  /** A model or alias name; DEFAULT_MODEL when unset. */
  model?: string | undefined
  /** Any BCP-47 tag whisper knows (`en`, `en-US`, `pt-BR`, …). */
  language?: string | undefined
  detectLanguage?: boolean | undefined
  task?: Task | undefined
  prompt?: string | undefined
  temperature?: number | undefined
  audioCtx?: TranscribeOptions['audioCtx'] | undefined
  text?: Partial<TextOptions> | undefined
  structure?: Partial<StructureOptions> | undefined
  /** Deepgram `vad`, OpenAI form field `vad` (earshot extensions): false decodes every second of the audio. */
  vad?: boolean | undefined
}

export const DEFAULT_TEXT_OPTIONS: Readonly<TextOptions> = {
  punctuate: true,
  smartFormat: false,
  numerals: false,
  profanityFilter: false,
  redact: [],
  replace: [],
  search: [],
  dictation: false,
  measurements: false,
  fillerWords: false
}

export const DEFAULT_STRUCTURE: Readonly<StructureOptions> = {
  utterances: false, uttSplit: DEFAULT_UTT_SPLIT, paragraphs: false, multichannel: false, diarize: false
}

/**
 * Admission before any expensive work: SERVER_BUSY (503, Retry-After) when the engine's queue would refuse the
 * request's decode now, so a request that would be refused reads no body, fetches no URL and decodes nothing.
 * Protocols call it before the body is read and again before fetching or decoding (a slow upload may end on a
 * queue that filled meanwhile). Only a hint: the queue can fill after it, and its own refusal stays the final word.
 * Not for callback jobs, which wait in the job queue instead.
 */
export function admitRequest (engine: Pick<Transcriber, 'busy'>): void {
  const refusal = engine.busy('normal')
  if (refusal !== undefined) throw refusal
}

/** Only large-v3's vocabulary (51866 tokens) has the Cantonese language token. */
const YUE_VOCAB = 51866

const defined = <T extends object>(o: T | undefined): Partial<T> =>
  Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>

/**
 * Resolves and checks a request: AppError 400 (protocol-neutral; each protocol shapes it) for an unknown model or
 * alias, an unknown language, a language the model cannot decode, or a translation an English-only model cannot do.
 * `models` is the engine (anything with describeModel); nothing is loaded or decoded. `defaults` are the
 * server's (config) choices a request may override.
 */
export async function planTranscription (models: Pick<Transcriber, 'describeModel'>, request: PlanRequest, defaults: PlanDefaults = {}): Promise<TranscriptionPlan> {
  const detectLanguage = request.detectLanguage === true
  let language: string | undefined
  const tag = request.language?.trim()
  if (tag !== undefined && tag !== '') {
    language = whisperLanguage(tag)
    if (language === undefined) throw badRequest(`Unsupported language '${tag}'.`)
  }
  const model = await models.describeModel(request.model, { language: tag, detectLanguage })
  if (!model.multilingual && language !== undefined && language !== 'en' && !detectLanguage) {
    throw badRequest(`Model '${model.name}' is English-only and cannot transcribe language '${tag ?? ''}'.`)
  }
  if (language === 'yue' && model.vocabSize > 0 && model.vocabSize < YUE_VOCAB) {
    throw badRequest("Language 'yue' needs a large-v3 model.")
  }
  const task = request.task ?? 'transcribe'
  if (task === 'translate' && !model.multilingual && (detectLanguage || (language ?? 'en') !== 'en')) {
    throw badRequest(`Model '${model.name}' is English-only and cannot translate; install a multilingual model.`)
  }
  const temperature = request.temperature
  if (temperature !== undefined && !(temperature >= 0 && temperature <= 1)) {
    throw badRequest(`temperature must be between 0 and 1, got ${temperature}.`)
  }
  const prompt = request.prompt?.trim()
  return {
    model,
    language: detectLanguage ? undefined : language,
    detectLanguage,
    task,
    prompt: prompt === undefined || prompt === '' ? undefined : prompt,
    temperature,
    audioCtx: request.audioCtx,
    text: { ...DEFAULT_TEXT_OPTIONS, ...defined(request.text) },
    structure: { ...DEFAULT_STRUCTURE, ...defined(request.structure) },
    // Without server defaults (library use, tests) VAD is off: the caller has no detector to run it with.
    vad: defaults.vad !== undefined && (request.vad ?? defaults.vad.enabled) ? { ...defaults.vad.settings } : undefined
  }
}
