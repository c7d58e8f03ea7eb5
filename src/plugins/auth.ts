import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config.ts'
import type { ApiKeyRecord } from '../db/keys-repository.ts'
import { extractCredential, QUERY_TOKEN_PARAM } from '../auth/credentials.ts'
import { createLimiter, type LimitDecision } from '../auth/rate-limits.ts'
import { AppError, invalidAuth, rateLimited } from '../errors.ts'

export const isWebSocketUpgrade = (request: FastifyRequest): boolean =>
  request.method === 'GET' && request.headers.upgrade?.toLowerCase() === 'websocket'

/**
 * Authentication and rate limiting for /v1. Failed attempts are counted per client address: past
 * AUTH_FAILURE_LIMIT_MAX in the window further failures get 429 instead of 401, while a valid key from the same
 * address is still served. Accepted requests are counted per key. A route marks itself open with `config: { public: true }`.
 * On PostgreSQL both budgets are shared by every replica (src/auth/rate-limits.ts): a client spreading guesses or
 * requests over N replicas gets one budget, not N.
 */
export default fp<{ config: Config }>(async (fastify, { config }) => {
  const failures = createLimiter(fastify.database, {
    name: 'auth-failure',
    points: config.AUTH_FAILURE_LIMIT_MAX,
    durationSeconds: config.AUTH_FAILURE_LIMIT_WINDOW
  })
  const perKey = createLimiter(fastify.database, { name: 'key', points: config.RATE_LIMIT_MAX, durationSeconds: config.RATE_LIMIT_WINDOW })

  const refuseIfExceeded = (limit: LimitDecision): void => {
    if (!limit.allowed) throw rateLimited(limit.resetSeconds)
  }

  async function authenticate (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (request.routeOptions.config.public === true) {
      // Open routes mint keys: every call counts against the address like a failure would.
      refuseIfExceeded(await failures.consume(request.ip))
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
      // A 503 (the key store unreachable) is not the client's failure.
      if (err instanceof AppError && err.statusCode < 500) {
        request.log.info({ reason: credential.kind === 'found' ? err.code : credential.kind }, 'authentication refused')
        refuseIfExceeded(await failures.consume(request.ip))
      }
      throw err
    }
    const limit = await perKey.consume(String(request.apiKey.id))
    if (!limit.allowed) {
      reply.header('x-ratelimit-limit', limit.limit)
      reply.header('x-ratelimit-remaining', limit.remaining)
      reply.header('x-ratelimit-reset', limit.resetSeconds)
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
