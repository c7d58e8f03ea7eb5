import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { deepgramCallbackBody } from '../protocols/deepgram/callback.ts'
import { consumeJobs, createJobQueue, type JobQueueBackend } from '../jobs/index.ts'

/**
 * Deepgram `callback` jobs (src/jobs/): the queue requests are submitted to, and — with the engine on — this
 * replica's consumer of it. Once shutdown begins it takes no new job; closing lets the running one finish within the
 * shutdown grace.
 */
export default fp<{ config: Config }>(async (fastify, { config }) => {
  const queue = createJobQueue(config, fastify.log)
  fastify.decorate('jobs', queue)
  // registered before the consumer starts: the engine closes after the queue (onClose runs in reverse order)
  fastify.addHook('onClose', async () => { await queue.close(config.SHUTDOWN_GRACE_SECONDS * 1000) })
  // a replica shutting down takes no new job from the shared queue while it finishes what it has
  fastify.shutdown.signal.addEventListener('abort', () => { queue.stopTaking() })
  await queue.start()
  if (config.ENGINE === 'on') await consumeJobs(queue, deepgramCallbackBody, config, fastify.engine, fastify.vad.detector, fastify.log)
  fastify.log.info({ queue: queue.kind, consumer: config.ENGINE === 'on' }, 'callback job queue ready')
}, { name: 'jobs', dependencies: ['engine', 'shutdown', 'vad'] })

declare module 'fastify' {
  interface FastifyInstance {
    jobs: JobQueueBackend
  }
}
