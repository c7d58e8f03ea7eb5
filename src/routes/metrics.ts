import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { invalidAuth } from '../errors.ts'
import { errorResponse } from '../protocols/deepgram/errors.ts'

const digest = (text: string): Buffer => createHash('sha256').update(text).digest()

/**
 * GET /metrics, Prometheus text format. Open by default, like most exporters: it holds counts, route patterns
 * and model names, never a key or a URL. METRICS_TOKEN makes it ask for `Authorization: Bearer <token>`;
 * METRICS=false removes the route. Behind the compose proxy it is not routed at all (deploy/haproxy.cfg):
 * Prometheus scrapes each replica on the private network.
 */
const metricsRoutes: FastifyPluginAsyncZod<{ token?: string | undefined }> = async (fastify, { token }) => {
  const expected = token === undefined ? undefined : digest(token)
  fastify.get('/metrics', {
    // Scraped every few seconds: no request log lines for it (warnings and errors still log).
    logLevel: 'warn',
    schema: {
      tags: ['health'],
      summary: 'Prometheus metrics: requests, queue, decode time and real-time factor per model, live sessions, jobs',
      description: 'Text exposition format 0.0.4. Needs `Authorization: Bearer <METRICS_TOKEN>` when that is set.',
      security: [],
      response: {
        200: { content: { 'text/plain': { schema: z.string() } } },
        401: errorResponse.describe('METRICS_TOKEN is set and the request did not carry it')
      }
    },
    onRequest: async (request) => {
      if (expected === undefined) return
      const header = request.headers.authorization ?? ''
      const given = /^Bearer (.+)$/i.exec(header)?.[1]
      // Hashes: equal lengths for timingSafeEqual, and the comparison time says nothing about the token.
      if (given === undefined || !timingSafeEqual(digest(given), expected)) throw invalidAuth()
    }
  }, async (_request, reply) => {
    const text = await fastify.metrics.text()
    return reply.type(fastify.metrics.contentType).send(text)
  })
}

export default metricsRoutes
