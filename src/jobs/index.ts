import type { Config } from '../config.ts'
import type { Logger, Transcriber } from '../engine/types.ts'
import { InProcessJobQueue } from './in-process-queue.ts'
import { PgBossJobQueue } from './pg-boss-queue.ts'
import type { JobQueueBackend } from './queue.ts'
import type { SpeechDetector } from '../transcription/speech-only.ts'
import { runJob, type JobBody, type JobRunnerOptions } from './run.ts'

export type { JobQueueBackend, JobCounts } from './queue.ts'
export { checkCallbackUrl, type JobSpec, type CallbackMethod } from './spec.ts'

/** pg-boss when DATABASE_URL is set (shared by every replica and worker), otherwise the in-process queue. */
export function createJobQueue (config: Config, logger: Logger): JobQueueBackend {
  if (config.DATABASE_URL !== undefined) {
    return new PgBossJobQueue({
      connectionString: config.DATABASE_URL,
      concurrency: config.JOBS_CONCURRENCY,
      expireSeconds: config.JOBS_EXPIRE,
      retryLimit: config.JOBS_RETRY_LIMIT,
      retryDelaySeconds: config.JOBS_RETRY_DELAY,
      superviseSeconds: config.JOBS_SUPERVISE_INTERVAL,
      logger
    })
  }
  return new InProcessJobQueue({ concurrency: config.JOBS_CONCURRENCY, maxWaiting: config.JOBS_QUEUE_MAX, logger })
}

export function jobRunnerOptions (config: Config, engine: Transcriber, vad: SpeechDetector, logger: Logger): JobRunnerOptions {
  return {
    engine,
    vad,
    maxSeconds: config.MAX_AUDIO_SECONDS,
    logger,
    delivery: {
      attempts: config.CALLBACK_ATTEMPTS,
      retryDelayMs: config.CALLBACK_RETRY_DELAY_MS,
      timeoutMs: config.CALLBACK_TIMEOUT * 1000,
      allowPrivate: config.ALLOW_PRIVATE_URLS
    }
  }
}

/** Starts consuming `queue` with `engine`: each job's `body` computed and delivered; pg-boss retries what throws. */
export async function consumeJobs (queue: JobQueueBackend, body: JobBody, config: Config, engine: Transcriber, vad: SpeechDetector,
  logger: Logger): Promise<void> {
  const options = jobRunnerOptions(config, engine, vad, logger)
  await queue.work((spec, audio, signal) => runJob(body, spec, audio, options, queue.kind === 'pg-boss', signal))
}
