/**
 * Runs one callback job: the same pipeline and response shape as a synchronous POST /v1/listen (metadata.request_id
 * = the id returned at submit), then delivery to the callback URL. A transcription that fails delivers Deepgram's
 * error body instead, so the receiver always hears back.
 */
import { sha256Hex } from '../audio/hash.ts'
import type { Logger, Transcriber } from '../engine/types.ts'
import { AppError, errorBody, transcriptionFailed } from '../errors.ts'
import { listenResponse } from '../protocols/deepgram/response.ts'
import type { SpeechDetector } from '../transcription/speech-only.ts'
import { transcribe } from '../transcription/transcribe.ts'
import { deliverCallback, type DeliveryOptions } from './deliver.ts'
import type { JobSpec } from './spec.ts'

export interface JobRunnerOptions {
  engine: Transcriber
  /** The process's VAD: a job's plan carries the request's VAD settings (vad=false turns it off) */
  vad: SpeechDetector
  /** MAX_AUDIO_SECONDS */
  maxSeconds: number
  delivery: Omit<DeliveryOptions, 'signal' | 'logger'>
  logger: Logger
}

/** The engine is closing or its queue is full: another attempt (another worker) can succeed where this one did not. */
export const isTransient = (err: unknown): boolean =>
  err instanceof AppError && (err.code === 'SERVER_SHUTTING_DOWN' || err.code === 'SERVER_BUSY')

/** The body to deliver: the Deepgram response, or Deepgram's error body (never a 5xx's own message). */
export async function transcribeJob (spec: JobSpec, bytes: Uint8Array, opts: JobRunnerOptions, retryable: boolean,
  signal?: AbortSignal): Promise<unknown> {
  try {
    const result = await transcribe(opts.engine, { bytes, ...spec.audio }, spec.plan, { maxSeconds: opts.maxSeconds, signal, vad: opts.vad })
    return listenResponse(result, spec.plan, { requestId: spec.requestId, sha256: sha256Hex(bytes), ...spec.response })
  } catch (err) {
    if (retryable && isTransient(err)) throw err
    if (err instanceof AppError && err.statusCode < 500) return errorBody(err, spec.requestId)
    opts.logger.error({ request_id: spec.requestId, err }, 'callback job failed')
    return errorBody(err instanceof AppError ? err : transcriptionFailed(err), spec.requestId)
  }
}

/**
 * Transcribes and delivers. `retryable`: the queue runs the job again when this throws (pg-boss), so transient
 * failures are thrown rather than delivered. Rejects when every delivery attempt failed.
 */
export async function runJob (spec: JobSpec, bytes: Uint8Array, opts: JobRunnerOptions, retryable: boolean,
  signal?: AbortSignal): Promise<void> {
  const started = performance.now()
  opts.logger.info({ request_id: spec.requestId, audio_bytes: bytes.length }, 'callback job started')
  const body = await transcribeJob(spec, bytes, opts, retryable, signal)
  const attempt = await deliverCallback({ url: spec.callback.url, method: spec.callback.method, requestId: spec.requestId, body },
    { ...opts.delivery, logger: opts.logger, signal })
  opts.logger.info({
    request_id: spec.requestId, attempt, ok: !('err_code' in (body as object)), job_ms: Math.round(performance.now() - started)
  }, 'callback delivered')
}
