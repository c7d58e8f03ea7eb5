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

const health: FastifyPluginAsyncZod = async (fastify) => {
  // read once: the addon does not change under a running process
  const build = readBuildInfo()
  const engine = build ? { whisper_version: build.whisperVersion, system_info: build.systemInfo, build_flags: build.flags } : undefined
  fastify.get('/health', {
    schema: {
      tags: ['health'],
      summary: 'Readiness: 200 when every component is up, 503 with the reasons otherwise',
      security: [],
      response: { 200: healthBody, 503: healthBody }
    }
  }, async (_request, reply) => {
    const { ready, checks } = await fastify.readiness.status()
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'not_ready', checks, ...(engine ? { engine } : {}) })
  })
}

export default health
