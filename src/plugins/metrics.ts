import fp from 'fastify-plugin'
import { Metrics, UNMATCHED_ROUTE } from '../metrics/index.ts'

/**
 * Counts every answered request by route pattern and status, and feeds the engine's queue, decode and model
 * figures into the instance's Metrics. Registered after the engine and before the routes; GET /metrics itself
 * is src/routes/metrics.ts. The Metrics object exists even with METRICS=false so callers never test for it.
 */
export default fp(async (fastify) => {
  const metrics = new Metrics()
  fastify.decorate('metrics', metrics)

  // Registered after the engine plugin when there is one (app.ts); a process without an engine has nothing to watch.
  if (fastify.hasDecorator('engine')) {
    const engine = fastify.engine
    metrics.watchEngine(() => engine.stats())
    const stop = engine.observe(metrics.engineObserver())
    fastify.addHook('onClose', async () => { stop() })
  }

  // The queue's own figures (pg-boss reads its table, so every replica reports the same jobs).
  if (fastify.hasDecorator('jobs')) {
    const jobs = fastify.jobs
    metrics.collectJobCounts(async () => {
      const counts = await jobs.counts()
      return { queued: counts.queued, running: counts.active, done: counts.completed, failed: counts.failed }
    })
  }

  fastify.addHook('onResponse', async (request, reply) => {
    // routeOptions.url is the pattern (/v1/listen), never the URL with its query, which may hold a key.
    metrics.httpRequest(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode, reply.elapsedTime / 1000)
  })
}, { name: 'metrics' })

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
  }
}
