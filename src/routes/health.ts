import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { readBuildInfo } from '../engine/build-info.ts'

const healthBody = z.object({
  status: z.enum(['ok', 'not_ready']),
  checks: z.record(z.string(), z.string()).meta({ example: { database: 'ok', model: 'ok' } }),
  engine: z.object({
    whisper_version: z.string().nullable(),
    system_info: z.string().nullable().meta({ description: "whisper.cpp's compiled-in instruction sets" }),
    build_flags: z.string()
  }).optional()
})

const liveBody = z.object({ status: z.literal('ok') })

/**
 * Probes for load balancers and orchestrators. Readiness (`/health`, alias `/health/ready`): 200 when every
 * component is up, 503 with the reasons otherwise (model loading, database down, shutting down), so a balancer
 * sends traffic only to replicas that can serve it. Liveness (`/health/live`): 200 whenever the process answers
 * at all, for restart decisions, which a model still loading must not trigger. Neither writes request log lines:
 * balancers poll them every few seconds.
 */
const health: FastifyPluginAsyncZod = async (fastify) => {
  // read once: the addon does not change under a running process
  const build = readBuildInfo()
  const engine = build ? { whisper_version: build.whisperVersion, system_info: build.systemInfo, build_flags: build.flags } : undefined
  for (const url of ['/health', '/health/ready']) {
    fastify.get(url, {
      logLevel: 'warn',
      // answers `server: shutting down` (503) itself, rather than the refusal every other route gives
      config: { answersDuringShutdown: true },
      schema: {
        tags: ['health'],
        summary: 'Readiness: 200 when every component is up, 503 with the reasons otherwise',
        description: 'Point load balancer health checks here: a replica with ENGINE=off is ready without a model.',
        security: [],
        response: { 200: healthBody, 503: healthBody }
      }
    }, async (_request, reply) => {
      const { ready, checks } = await fastify.readiness.status()
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'not_ready', checks, ...(engine ? { engine } : {}) })
    })
  }
  fastify.get('/health/live', {
    logLevel: 'warn',
    config: { answersDuringShutdown: true },
    schema: {
      tags: ['health'],
      summary: 'Liveness: 200 while the process answers, whether or not it is ready',
      security: [],
      response: { 200: liveBody }
    }
  }, async () => ({ status: 'ok' as const }))
}

export default health
