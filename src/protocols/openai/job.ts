/**
 * OpenAI's form -> the shared TranscriptionPlan (src/transcription/plan.ts), settled before the audio is decoded,
 * then run through the shared pipeline (src/transcription/transcribe.ts). What is OpenAI's own here: its field
 * names, its defaults (no `language` = detect it, as OpenAI does), which field an error belongs to, and the reply
 * options the shaping (respond.ts) needs.
 */
import type { TranscribedSegment, Transcriber } from '../../engine/types.ts'
import type { SpeechDetector } from '../../transcription/speech-only.ts'
import { badRequest } from '../../errors.ts'
import { planTranscription, type PlanDefaults, type PlanRequest, type TranscriptionPlan } from '../../transcription/plan.ts'
import { decodeChannels } from '../../transcription/transcribe.ts'
import { forParam, ParamError } from './errors.ts'
import { languageCode } from './languages.ts'
import type { CoreResult, ReplyOptions } from './respond.ts'
import type { ResponseFormat, TranscriptionForm, TranslationForm } from './schema.ts'

export interface OpenAiJob {
  format: ResponseFormat
  stream: boolean
  reply: ReplyOptions
  audio: Uint8Array
  plan: TranscriptionPlan
}

export interface JobContext {
  engine: Transcriber
  maxSeconds: number
  /** The server's VAD: its plan defaults and the detector that runs it. */
  vad: { detector: SpeechDetector, planDefaults: PlanDefaults }
}

const refuse = (param: string, message: string): ParamError => new ParamError(param, badRequest(message))

/** The plan: each refusal names its field (`model`, `language`, `prompt`…), which the reply shows as `param`. */
async function plan (request: PlanRequest, context: JobContext): Promise<TranscriptionPlan> {
  return await planTranscription(context.engine.models, request, context.vad.planDefaults)
}

export async function prepareTranscription (form: TranscriptionForm, context: JobContext): Promise<OpenAiJob> {
  const format = form.response_format ?? 'json'
  if (format === 'diarized_json') {
    throw refuse('response_format', "response_format 'diarized_json' is not supported: earshot does not diarize speakers. Use json, text, srt, vtt or verbose_json.")
  }
  const stream = form.stream === true
  if (stream && format !== 'json' && format !== 'text') {
    throw refuse('stream', `stream=true sends transcript.text.delta / transcript.text.done events and works with response_format json or text, not '${format}'.`)
  }
  const language = form.language === undefined ? undefined : languageCode(form.language)
  const settled = await plan({
    model: form.model,
    language,
    detectLanguage: language === undefined,
    task: 'transcribe',
    prompt: form.prompt,
    temperature: form.temperature,
    vad: form.vad
  }, context)
  return {
    format,
    stream,
    audio: form.file,
    plan: settled,
    reply: {
      task: 'transcribe',
      temperature: form.temperature ?? 0,
      granularities: form['timestamp_granularities[]'] ?? [],
      logprobs: (form['include[]'] ?? []).includes('logprobs')
    }
  }
}

export async function prepareTranslation (form: TranslationForm, context: JobContext): Promise<OpenAiJob> {
  const settled = await plan({
    model: form.model,
    detectLanguage: true,
    task: 'translate',
    prompt: form.prompt,
    temperature: form.temperature,
    vad: form.vad
  }, context)
  return {
    format: form.response_format ?? 'json',
    stream: false,
    audio: form.file,
    plan: settled,
    reply: { task: 'translate', temperature: form.temperature ?? 0, granularities: [], logprobs: false }
  }
}

/** Decodes and transcribes; an audio file that cannot be decoded, or is too long, is an error of `file`. */
export async function runOpenAiJob (job: OpenAiJob, context: JobContext & {
  signal: AbortSignal
  onSegment?: (segment: TranscribedSegment) => void
}): Promise<CoreResult> {
  // OpenAI's replies are made of whisper's segments: no words, no Deepgram text formatting
  const result = await forParam('file', async () => await decodeChannels(context.engine, { bytes: job.audio }, job.plan, {
    maxSeconds: context.maxSeconds,
    signal: context.signal,
    vad: context.vad.detector,
    ...(context.onSegment !== undefined ? { onSegment: context.onSegment } : {})
  }))
  const channel = result.channels[0]
  return { segments: channel?.segments ?? [], language: channel?.language ?? 'en', duration: result.duration }
}
