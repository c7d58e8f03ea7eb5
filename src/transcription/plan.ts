/**
 * One request, resolved once. Every protocol (Deepgram REST and live, OpenAI) turns its request into a
 * TranscriptionPlan before any expensive work — no URL is fetched and no audio decoded for a request that cannot
 * run — and hands the plan to the pipeline (./transcribe.ts). Model, language and their compatibility are settled
 * here and nowhere else: the English-only rule reads the model file's header (src/engine/model-file.ts). What
 * only shapes a protocol's reply (Deepgram's utterances, paragraphs, diarize; OpenAI's formats) is the protocol's
 * own and not in the plan.
 */
import { whisperLanguage } from '../engine/languages.ts'
import type { ModelCatalog, ModelDescription, TranscribeOptions } from '../engine/types.ts'
import { quoted } from '../errors.ts'
import type { TextOptions } from './format/index.ts'
import { checkLength, checkList, fieldError, LIMITS, type PlanField } from './limits.ts'
import { settlePrompt, type PlanNote, type PromptRequest } from './prompt.ts'
import type { VadSettings } from './vad/settings.ts'

export type Task = 'transcribe' | 'translate'

export interface TranscriptionPlan {
  /** The installed model that will run (aliases resolved); `multilingual` comes from its file header. */
  model: ModelDescription
  /** The whisper language code to decode; undefined with detectLanguage, or for the model's default (English). */
  language: string | undefined
  detectLanguage: boolean
  task: Task
  /** Whisper's initial prompt as the model's token ids (./prompt.ts), within its window; undefined for none. */
  promptTokens: number[] | undefined
  temperature: number | undefined
  /** undefined = the engine's DEFAULT_AUDIO_CTX. */
  audioCtx: TranscribeOptions['audioCtx']
  text: TextOptions
  /** Each channel transcribed on its own; otherwise channels are mixed to mono. */
  multichannel: boolean
  /** Skip non-speech before the encoder with these settings (./speech-only.ts); undefined = decode everything. */
  vad: VadSettings | undefined
  /** What the plan left out of the request (a prompt past whisper's window): each protocol tells its client. */
  notes: PlanNote[]
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
  /** Free prompt text (OpenAI `prompt`): past the model's window its oldest part is left out (./prompt.ts). */
  prompt?: string | undefined
  /** Or prompt terms (Deepgram keyterm, keywords): whole terms kept while they fit; more than maxTokens refused. */
  terms?: PromptRequest['terms']
  temperature?: number | undefined
  audioCtx?: TranscribeOptions['audioCtx'] | undefined
  text?: Partial<TextOptions> | undefined
  multichannel?: boolean | undefined
  /** Deepgram `vad`, OpenAI form field `vad` (earshot extensions): false decodes every second of the audio. */
  vad?: boolean | undefined
  /** The fields' names in the protocol, for its error messages and notes; default: the names above (OpenAI's). */
  names?: Partial<Record<PlanField, string>> | undefined
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

/** Only large-v3's vocabulary (51866 tokens) has the Cantonese language token. */
const YUE_VOCAB = 51866

const defined = <T extends object>(o: T | undefined): Partial<T> =>
  Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>

/**
 * Resolves and checks a request: AppError 400 naming the field (protocol-neutral; each protocol shapes it) for an
 * unknown model or alias, an unknown language, a language the model cannot decode, a translation an English-only
 * model cannot do, or any text over its limit (./limits.ts). The prompt is tokenized and fitted to the model's
 * window here. `models` is the model catalog (src/engine/catalog.ts): nothing is loaded or decoded. `defaults` are the server's (config) choices
 * a request may override.
 */
export async function planTranscription (models: ModelCatalog, request: PlanRequest, defaults: PlanDefaults = {}): Promise<TranscriptionPlan> {
  const name = (field: PlanField): string => request.names?.[field] ?? field
  checkText(request, name)
  const detectLanguage = request.detectLanguage === true
  let language: string | undefined
  const tag = request.language?.trim()
  if (tag !== undefined && tag !== '') {
    language = whisperLanguage(tag)
    if (language === undefined) throw fieldError(name('language'), `Unsupported language ${quoted(tag)}.`)
  }
  const model = await models.describeModel(request.model, { language: tag, detectLanguage })
  if (!model.multilingual && language !== undefined && language !== 'en' && !detectLanguage) {
    throw fieldError(name('language'), `Model '${model.name}' is English-only and cannot transcribe language ${quoted(tag ?? '')}.`)
  }
  if (language === 'yue' && model.vocabSize > 0 && model.vocabSize < YUE_VOCAB) {
    throw fieldError(name('language'), "Language 'yue' needs a large-v3 model.")
  }
  const task = request.task ?? 'transcribe'
  if (task === 'translate' && !model.multilingual && (detectLanguage || (language ?? 'en') !== 'en')) {
    throw fieldError(name('model'), `Model '${model.name}' is English-only and cannot translate; install a multilingual model.`)
  }
  const temperature = request.temperature
  if (temperature !== undefined && !(temperature >= 0 && temperature <= 1)) {
    throw fieldError(name('temperature'), `temperature must be between 0 and 1, got ${temperature}.`)
  }
  const hasPrompt = (request.prompt?.trim() ?? '') !== '' || (request.terms?.values ?? []).some((t) => t.trim() !== '')
  const prompt = hasPrompt
    ? settlePrompt(await models.tokenizer(model), { text: request.prompt, terms: request.terms }, { prompt: name('prompt'), terms: name('terms') })
    : { tokens: undefined, notes: [] }
  return {
    model,
    language: detectLanguage ? undefined : language,
    detectLanguage,
    task,
    promptTokens: prompt.tokens,
    temperature,
    audioCtx: request.audioCtx,
    text: { ...DEFAULT_TEXT_OPTIONS, ...defined(request.text) },
    multichannel: request.multichannel === true,
    // Without server defaults (library use, tests) VAD is off: the caller has no detector to run it with.
    vad: defaults.vad !== undefined && (request.vad ?? defaults.vad.enabled) ? { ...defaults.vad.settings } : undefined,
    notes: prompt.notes
  }
}

/** Every text a request carries, against LIMITS, before anything reads it (the model name included). */
function checkText (request: PlanRequest, name: (field: PlanField) => string): void {
  if (request.model !== undefined) checkLength(name('model'), request.model, LIMITS.modelChars)
  if (request.language !== undefined) checkLength(name('language'), request.language, LIMITS.languageChars)
  const text = request.text
  if (text?.search !== undefined) checkList(name('search'), text.search, LIMITS.searchTerms, LIMITS.searchChars)
  if (text?.replace !== undefined) {
    checkList(name('replace'), text.replace.map((r) => r.find), LIMITS.replaceTerms, LIMITS.replaceChars)
    checkList(name('replace'), text.replace.map((r) => r.replace), LIMITS.replaceTerms, LIMITS.replaceChars)
  }
  if (text?.redact !== undefined) checkList(name('redact'), text.redact, LIMITS.redactTerms, LIMITS.redactChars)
}
