/**
 * Runs one callback job: its protocol's body (src/protocols/deepgram/callback.ts: the transcription, or an error
 * body), then delivery to the callback URL.
 */
import type { Logger, Transcriber } from '../engine/types.ts'
import type { SpeechDetector } from '../transcription/speech-only.ts'
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

/**
 * What a job delivers, computed from its spec and audio. `retryable`: the queue runs the job again when this throws
 * (pg-boss), so a transient failure is thrown rather than delivered.
 */
export type JobBody = (spec: JobSpec, bytes: Uint8Array, opts: JobRunnerOptions, retryable: boolean, signal?: AbortSignal) => Promise<unknown>

/** Computes the body and delivers it. Rejects when every delivery attempt failed. */
export async function runJob (body: JobBody, spec: JobSpec, bytes: Uint8Array, opts: JobRunnerOptions, retryable: boolean,
  signal?: AbortSignal): Promise<void> {
  const started = performance.now()
  opts.logger.info({ request_id: spec.requestId, audio_bytes: bytes.length }, 'callback job started')
  const delivered = await body(spec, bytes, opts, retryable, signal)
  const attempt = await deliverCallback({ url: spec.callback.url, method: spec.callback.method, requestId: spec.requestId, body: delivered },
    { ...opts.delivery, logger: opts.logger, signal })
  opts.logger.info({
    request_id: spec.requestId, attempt, ok: !('err_code' in (delivered as object)), job_ms: Math.round(performance.now() - started)
  }, 'callback delivered')
}
