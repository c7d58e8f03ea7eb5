/**
 * Deepgram's POST /v1/listen, protocol side. prepareListen settles the query into the plan and the reply's own
 * options, and checks a callback URL, before any audio is read or fetched; listen then transcribes the audio and
 * shapes Deepgram's ListenV1Response, or queues a callback job and answers `{request_id}` at once (the job's body:
 * ./callback.ts). The route (src/routes/listen.ts) only adapts Fastify to these two calls.
 */
import { fetchAudioUrl } from '../../audio/fetch-url.ts'
import { sha256Hex } from '../../audio/hash.ts'
import type { Transcriber } from '../../engine/types.ts'
import { checkCallbackUrl, type CallbackMethod, type JobQueueBackend } from '../../jobs/index.ts'
import type { SpeechDetector } from '../../transcription/speech-only.ts'
import { planTranscription, type PlanDefaults, type TranscriptionPlan } from '../../transcription/plan.ts'
import { transcribe } from '../../transcription/transcribe.ts'
import { parameterWarnings, planWarnings } from './parameters.ts'
import { deepgramPlanRequest, deepgramReply } from './plan.ts'
import { listenResponse, type DeepgramReply } from './response.ts'
import { KNOWN_QUERY_KEYS, type ListenQuery } from './rest-schema.ts'

export interface ListenContext {
  engine: Transcriber
  vad: { detector: SpeechDetector, planDefaults: PlanDefaults }
  jobs: JobQueueBackend
  /** MAX_AUDIO_SECONDS */
  maxSeconds: number
  /** ALLOW_PRIVATE_URLS: for callback URLs and audio URLs alike */
  allowPrivateUrls: boolean
  /** URL_MAX_BYTES, URL_TIMEOUT (ms), URL_MAX_REDIRECTS */
  url: { maxBytes: number, timeoutMs: number, maxRedirects: number }
}

export interface PreparedListen {
  plan: TranscriptionPlan
  reply: DeepgramReply
  /** With Deepgram's `callback`: the job is queued and the response delivered there. */
  callback: { url: string, method: CallbackMethod } | undefined
  /** How to read the body (headerless audio needs encoding and sample rate). */
  audio: { contentType?: string | undefined, encoding?: string | undefined, sampleRate?: number | undefined, channels?: number | undefined }
}

/** Everything that can refuse the request, settled before its audio is read, fetched or decoded. */
export async function prepareListen (query: ListenQuery, contentType: string | undefined, context: ListenContext): Promise<PreparedListen> {
  const plan = await planTranscription(context.engine.models, deepgramPlanRequest(query, {}), context.vad.planDefaults)
  const callback = query.callback === undefined
    ? undefined
    : { url: checkCallbackUrl(query.callback, context.allowPrivateUrls).href, method: query.callback_method?.toUpperCase() === 'PUT' ? 'PUT' as const : 'POST' as const }
  return {
    plan,
    callback,
    reply: {
      ...deepgramReply(query),
      warnings: [...parameterWarnings(query, KNOWN_QUERY_KEYS), ...planWarnings(plan.notes)]
    },
    audio: { encoding: query.encoding, sampleRate: query.sample_rate, channels: query.channels, contentType }
  }
}

export type ListenBody = Uint8Array | { url: string }

/**
 * The audio (the body, or fetched from its URL) transcribed and shaped, or queued with its callback. `seconds` is
 * the audio transcribed now (usage), 0 for a queued job.
 */
export async function listen (prepared: PreparedListen, body: ListenBody, context: ListenContext,
  request: { id: string, signal: AbortSignal }): Promise<{ reply: ReturnType<typeof listenResponse> | { request_id: string }, seconds: number }> {
  const bytes = body instanceof Uint8Array
    ? body
    : await fetchAudioUrl(body.url, { ...context.url, allowPrivate: context.allowPrivateUrls, signal: request.signal })
  const { plan, reply, callback, audio } = prepared
  if (callback !== undefined) {
    // Deepgram's async mode: the audio is in hand, the job is queued, the id returned at once.
    await context.jobs.submit({ requestId: request.id, plan, audio, reply, callback, submittedAt: new Date().toISOString() }, bytes)
    return { reply: { request_id: request.id }, seconds: 0 }
  }
  const result = await transcribe(context.engine, { bytes, ...audio }, plan, { maxSeconds: context.maxSeconds, signal: request.signal, vad: context.vad.detector })
  return { reply: listenResponse(result, plan, { requestId: request.id, sha256: sha256Hex(bytes), ...reply }), seconds: result.duration }
}
