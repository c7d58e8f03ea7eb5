import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config.ts'
import type { ApiKeyRecord } from '../db/keys-repository.ts'
import { extractCredential, QUERY_TOKEN_PARAM } from '../auth/credentials.ts'
import { AppError, invalidAuth, rateLimited } from '../errors.ts'

export const isWebSocketUpgrade = (request: FastifyRequest): boolean =>
  request.method === 'GET' && request.headers.upgrade?.toLowerCase() === 'websocket'

/**
 * Authentication and rate limiting for /v1. Failed attempts are counted per client address: past
 * AUTH_FAILURE_LIMIT_MAX in the window further failures get 429 instead of 401, while a valid key from the same
 * address is still served. Accepted requests are counted per key. A route marks itself open with `config: { public: true }`.
 */
export default fp<{ config: Config }>(async (fastify, { config }) => {
  await fastify.register(rateLimit, { global: false })

  const failures = fastify.createRateLimit({
    max: config.AUTH_FAILURE_LIMIT_MAX,
    timeWindow: config.AUTH_FAILURE_LIMIT_WINDOW * 1000,
    keyGenerator: (req) => `auth-failure:${req.ip}`
  })
  const perKey = fastify.createRateLimit({
    max: config.RATE_LIMIT_MAX,
    timeWindow: config.RATE_LIMIT_WINDOW * 1000,
    keyGenerator: (req) => `key:${req.apiKey?.id ?? 'none'}`
  })

  const refuseIfExceeded = (limit: Awaited<ReturnType<typeof failures>>): void => {
    if (!limit.isAllowed && limit.isExceeded) throw rateLimited(Math.max(1, limit.ttlInSeconds))
  }

  async function authenticate (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (request.routeOptions.config.public === true) {
      // Open routes mint keys: every call counts against the address like a failure would.
      refuseIfExceeded(await failures(request))
      return
    }
    const query = request.query as Record<string, unknown> | undefined
    const credential = extractCredential({
      headers: request.headers,
      queryToken: typeof query?.[QUERY_TOKEN_PARAM] === 'string' ? query[QUERY_TOKEN_PARAM] : undefined,
      isWebSocketUpgrade: isWebSocketUpgrade(request)
    })
    try {
      if (credential.kind !== 'found') throw invalidAuth()
      // A valid key is served whatever its address did before: behind a reverse proxy one address is every
      // user, and a 256-bit key cannot be guessed, so the limiter only throttles the failures themselves.
      request.apiKey = await fastify.keys.authenticate(credential.token)
    } catch (err) {
      if (err instanceof AppError) {
        request.log.info({ reason: credential.kind === 'found' ? err.code : credential.kind }, 'authentication refused')
        refuseIfExceeded(await failures(request))
      }
      throw err
    }
    const limit = await perKey(request)
    if (!limit.isAllowed) {
      reply.header('x-ratelimit-limit', limit.max)
      reply.header('x-ratelimit-remaining', Math.max(0, limit.remaining))
      reply.header('x-ratelimit-reset', limit.ttlInSeconds)
    }
    refuseIfExceeded(limit)
  }

  fastify.decorateRequest('apiKey', null)
  fastify.decorate('authenticate', authenticate)
}, { name: 'auth', dependencies: ['database', 'error-handler'] })

declare module 'fastify' {
  interface FastifyInstance {
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
  interface FastifyRequest {
    /** The calling key, set by the auth hook on every authenticated route. */
    apiKey: ApiKeyRecord | null
  }
  interface FastifyContextConfig {
    /** Skip key authentication (still rate-limited per client address). */
    public?: boolean
  }
}
