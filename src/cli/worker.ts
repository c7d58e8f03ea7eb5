/**
 * `earshot worker`: the engine and a consumer of the PostgreSQL job queue (pg-boss), without the public HTTP
 * API. Run as many as the machines allow next to API-only replicas (ENGINE=off). SIGTERM or SIGINT stops taking
 * jobs, lets the running one finish within SHUTDOWN_GRACE_SECONDS, and hands back (fails, to be retried) what is
 * still running then; a worker killed outright leaves its job to expire and be retried by another.
 */
import { once } from 'node:events'
import { pino, type LoggerOptions } from 'pino'
import type { Config } from '../config.ts'
import { createEngine } from '../engine/from-config.ts'
import { SileroVad } from '../transcription/vad/index.ts'
import { deepgramCallbackBody } from '../protocols/deepgram/callback.ts'
import { consumeJobs, createJobQueue } from '../jobs/index.ts'
import { loggerOptions } from '../logger.ts'
import { ensureDefaultModel } from '../model-setup.ts'
import type { CliIo } from './io.ts'

export async function runWorker (config: Config, io: CliIo, stop: Promise<unknown> = stopSignal()): Promise<number> {
  if (config.DATABASE_URL === undefined) {
    io.err('earshot worker takes jobs from PostgreSQL: set DATABASE_URL (without it, each server runs its own callback jobs).')
    return 1
  }
  const logger = pino(loggerOptions(config.LOG_LEVEL) as LoggerOptions).child({ role: 'worker' })
  await ensureDefaultModel(config)
  const engine = createEngine({ ...config, ENGINE: 'on' }, logger)
  const queue = createJobQueue(config, logger)
  const vad = new SileroVad()
  try {
    await engine.ready()
    logger.info({ model: config.DEFAULT_MODEL }, 'default model loaded')
    await consumeJobs(queue, deepgramCallbackBody, config, engine, vad, logger)
    logger.info({ concurrency: config.JOBS_CONCURRENCY }, 'worker started: taking callback jobs')
    const signal = await stop
    logger.info({ signal }, 'worker stopping: finishing the running job')
  } finally {
    const graceMs = config.SHUTDOWN_GRACE_SECONDS * 1000
    // Each step bounded: a stop that never settles (a library waiting on a connection) must not keep a stopping
    // worker alive; pg-boss retries whatever it did not record.
    await bounded(queue.close(graceMs), graceMs + 5000, 'job queue', logger)
    await bounded(engine.close(), 5000, 'engine', logger)
    await bounded(vad.close(), 5000, 'voice-activity detector', logger)
    logger.info('worker stopped')
    logger.flush()
  }
  return 0
}

async function bounded (step: Promise<unknown>, ms: number, what: string, logger: { warn: (o: object, m: string) => void }): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => { logger.warn({ step: what, ms }, 'worker stop: step did not finish in time, going on'); resolve() }, ms)
  })
  try {
    await Promise.race([step, late])
  } finally {
    clearTimeout(timer)
  }
}

function stopSignal (): Promise<string> {
  return Promise.race([once(process, 'SIGTERM').then(() => 'SIGTERM'), once(process, 'SIGINT').then(() => 'SIGINT')])
}
