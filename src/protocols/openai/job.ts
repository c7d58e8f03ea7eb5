/**
 * OpenAI's form -> a prepared job, checked before any expensive work (the audio is not decoded until every field,
 * the model and the language have been accepted), then run through the shared transcription core.
 */
import { decodeAudio, mixToMono } from '../../audio/decode.ts'
import type { Engine } from '../../engine/engine.ts'
import { whisperLanguage } from '../../engine/languages.ts'
import { validateModelFile } from '../../engine/model-file.ts'
import type { ModelDescription, TranscribedSegment } from '../../engine/types.ts'
import { badRequest } from '../../errors.ts'
import { forParam, ParamError } from './errors.ts'
import { languageCode } from './languages.ts'
import type { CoreResult, ReplyOptions } from './respond.ts'
import type { ResponseFormat, TranscriptionForm, TranslationForm } from './schema.ts'

export interface OpenAiJob {
  format: ResponseFormat
  stream: boolean
  reply: ReplyOptions
  audio: Uint8Array
  model: ModelDescription
  /** whisper's code; undefined = detect (multilingual models) */
  language?: string
  prompt?: string
  maxSeconds: number
  engine: Engine
}

export interface JobContext {
  engine: Engine
  maxSeconds: number
  requestId: string
}

const refuse = (param: string, message: string): ParamError => new ParamError(param, badRequest(message))

/** Multilingual or English-only, from the model file's header (the model need not be loaded). */
const multilingualByUuid = new Map<string, boolean>()
async function isMultilingual (model: ModelDescription): Promise<boolean> {
  let known = multilingualByUuid.get(model.uuid)
  if (known === undefined) {
    known = (await validateModelFile(model.path)).multilingual
    if (multilingualByUuid.size > 256) multilingualByUuid.clear()
    multilingualByUuid.set(model.uuid, known)
  }
  return known
}

async function resolveModel (name: string | undefined, context: JobContext): Promise<ModelDescription> {
  return await forParam('model', async () => await context.engine.describeModel(name))
}

function base (form: Pick<TranslationForm, 'file' | 'prompt'>, format: ResponseFormat, model: ModelDescription, context: JobContext) {
  return {
    format,
    audio: form.file,
    model,
    ...(form.prompt !== undefined && form.prompt.trim() !== '' ? { prompt: form.prompt } : {}),
    maxSeconds: context.maxSeconds,
    engine: context.engine
  }
}

export async function prepareTranscription (form: TranscriptionForm, context: JobContext): Promise<OpenAiJob> {
  const requested = form.response_format ?? 'json'
  if (requested === 'diarized_json') {
    throw refuse('response_format', "response_format 'diarized_json' is not supported: earshot does not diarize speakers. Use json, text, srt, vtt or verbose_json.")
  }
  const stream = form.stream === true
  if (stream && requested !== 'json' && requested !== 'text') {
    throw refuse('stream', `stream=true sends transcript.text.delta / transcript.text.done events and works with response_format json or text, not '${requested}'.`)
  }
  const model = await resolveModel(form.model, context)
  let language: string | undefined
  if (form.language !== undefined) {
    language = whisperLanguage(languageCode(form.language))
    if (language === undefined) throw refuse('language', `Unsupported language '${form.language}': give an ISO-639-1 code such as 'en' or 'de'.`)
    if (language !== 'en' && !(await isMultilingual(model))) {
      throw refuse('language', `Model '${model.name}' is English-only and cannot transcribe language '${form.language}'.`)
    }
  }
  return {
    ...base(form, requested, model, context),
    stream,
    ...(language !== undefined ? { language } : {}),
    reply: {
      task: 'transcribe',
      temperature: form.temperature ?? 0,
      granularities: form['timestamp_granularities[]'] ?? form.timestamp_granularities ?? [],
      logprobs: (form['include[]'] ?? form.include ?? []).includes('logprobs')
    }
  }
}

export async function prepareTranslation (form: TranslationForm, context: JobContext): Promise<OpenAiJob> {
  const model = await resolveModel(form.model, context)
  if (!(await isMultilingual(model))) {
    throw refuse('model', `Model '${model.name}' is English-only: translation needs a multilingual model (e.g. 'base', 'small').`)
  }
  return {
    ...base(form, form.response_format ?? 'json', model, context),
    stream: false,
    reply: { task: 'translate', temperature: form.temperature ?? 0, granularities: [], logprobs: false }
  }
}

export async function runOpenAiJob (job: OpenAiJob, run: { signal: AbortSignal, onSegment?: (segment: TranscribedSegment) => void }): Promise<CoreResult> {
  const decoded = await forParam('file', async () => await decodeAudio(job.audio, { maxSeconds: job.maxSeconds, signal: run.signal }))
  const result = await job.engine.transcribe(mixToMono(decoded.channels), {
    model: job.model.name,
    ...(job.language !== undefined ? { language: job.language } : { detectLanguage: true }),
    ...(job.prompt !== undefined ? { prompt: job.prompt } : {}),
    temperature: job.reply.temperature,
    task: job.reply.task,
    signal: run.signal,
    ...(run.onSegment !== undefined ? { onSegment: run.onSegment } : {})
  })
  return { segments: result.segments, language: result.language, duration: decoded.duration }
}
