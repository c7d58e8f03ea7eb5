/**
 * A Deepgram callback job's body: the same pipeline and response as a synchronous POST /v1/listen
 * (metadata.request_id = the id returned at submit), or Deepgram's error body when the transcription fails, so the
 * receiver always hears back. src/jobs/ queues, runs and delivers it; this is what it delivers.
 */
import { sha256Hex } from '../../audio/hash.ts'
import { AppError, transcriptionFailed } from '../../errors.ts'
import type { JobBody, JobRunnerOptions } from '../../jobs/run.ts'
import type { JobSpec } from '../../jobs/spec.ts'
import type { ModelCatalog } from '../../engine/types.ts'
import type { TranscriptionPlan } from '../../transcription/plan.ts'
import { settlePrompt } from '../../transcription/prompt.ts'
import { transcribe } from '../../transcription/transcribe.ts'
import { errorBody } from './errors.ts'
import { listenResponse, type DeepgramReply } from './response.ts'
import { DEFAULT_UTT_SPLIT } from './structure.ts'

/** The engine is closing or its queue is full: another attempt (another worker) can succeed where this one did not. */
export const isTransient = (err: unknown): boolean =>
  err instanceof AppError && (err.code === 'SERVER_SHUTTING_DOWN' || err.code === 'SERVER_BUSY')

/**
 * A job queued before the reply options left the plan (pg-boss keeps jobs across an upgrade) carries them as
 * plan.structure and its echo as `response`: read either shape.
 */
function replyOf (spec: JobSpec): DeepgramReply {
  if (spec.reply !== undefined) return spec.reply as DeepgramReply
  const legacy = spec as JobSpec & { response?: Partial<DeepgramReply>, plan: { structure?: Partial<DeepgramReply> } }
  const s = legacy.plan.structure ?? {}
  return {
    utterances: s.utterances === true,
    uttSplit: s.uttSplit ?? DEFAULT_UTT_SPLIT,
    paragraphs: s.paragraphs === true,
    diarize: s.diarize === true,
    ...legacy.response
  }
}

/**
 * Likewise the plan: such a job has multichannel in plan.structure, and its prompt as text (`prompt`, whisper
 * tokenized it then) instead of token ids: tokenized here, as the plan does now.
 */
async function planOf (spec: JobSpec, models: ModelCatalog): Promise<TranscriptionPlan> {
  const legacy = spec.plan as TranscriptionPlan & { structure?: { multichannel?: boolean }, prompt?: string }
  if (legacy.multichannel !== undefined) return legacy
  const prompt = legacy.prompt === undefined || legacy.prompt === ''
    ? undefined
    : settlePrompt(await models.tokenizer(legacy.model), { text: legacy.prompt }, { prompt: 'keyterm', terms: 'keyterm' }).tokens
  return { ...legacy, multichannel: legacy.structure?.multichannel === true, promptTokens: prompt, notes: [] }
}

/** The body to deliver; throws (for the queue to retry) a transient failure when `retryable`. */
export const deepgramCallbackBody: JobBody = async (spec, bytes, opts: JobRunnerOptions, retryable, signal) => {
  try {
    const plan = await planOf(spec, opts.engine.models)
    const result = await transcribe(opts.engine, { bytes, ...spec.audio }, plan, { maxSeconds: opts.maxSeconds, signal, vad: opts.vad })
    return listenResponse(result, plan, { requestId: spec.requestId, sha256: sha256Hex(bytes), ...replyOf(spec) })
  } catch (err) {
    if (retryable && isTransient(err)) throw err
    if (err instanceof AppError && err.statusCode < 500) return errorBody(err, spec.requestId)
    opts.logger.error({ request_id: spec.requestId, err }, 'callback job failed')
    return errorBody(err instanceof AppError ? err : transcriptionFailed(err), spec.requestId)
  }
}
