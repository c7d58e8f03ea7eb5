import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'

const healthBody = z.object({
  status: z.enum(['ok', 'not_ready']),
  checks: z.record(z.string(), z.string()).meta({ example: { database: 'ok', model: 'ok' } })
})

const health: FastifyPluginAsyncZod = async (fastify) => {
  fastify.get('/health', {
    schema: {
      tags: ['health'],
      summary: 'Readiness: 200 when every component is up, 503 with the reasons otherwise',
      security: [],
      response: { 200: healthBody, 503: healthBody }
    }
  }, async (_request, reply) => {
    const { ready, checks } = await fastify.readiness.status()
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'not_ready', checks })
  })
}

export default health
