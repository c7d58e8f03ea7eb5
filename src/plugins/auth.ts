import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config.ts'
import type { ApiKeyRecord } from '../db/keys-repository.ts'
import { extractCredential } from '../auth/credentials.ts'
import { AppError, invalidAuth, rateLimited } from '../errors.ts'

export const isWebSocketUpgrade = (request: FastifyRequest): boolean =>
  request.method === 'GET' && request.headers.upgrade?.toLowerCase() === 'websocket'

/**
 * Authentication and rate limiting for /v1. Failed attempts are counted per client address (so guessing keys
 * is slow), accepted requests per key. A route marks itself open with `config: { public: true }`.
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

  // Addresses with a failure in the current window: only those pay for a look at the failure counter.
  const failedRecently = new Map<string, number>()
  const failureWindowMs = config.AUTH_FAILURE_LIMIT_WINDOW * 1000

  async function countFailure (request: FastifyRequest): Promise<void> {
    if (failedRecently.size > 100_000) failedRecently.clear()
    failedRecently.set(request.ip, Date.now() + failureWindowMs)
    await failures(request)
  }

  async function authenticate (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const failedUntil = failedRecently.get(request.ip)
    if (failedUntil !== undefined) {
      if (failedUntil < Date.now()) failedRecently.delete(request.ip)
      // Once an address has used up its failures, even a correct key waits out the window.
      const past = await failures(request, { increment: false })
      if (!past.isAllowed && past.remaining <= 0) throw rateLimited(Math.max(1, past.ttlInSeconds))
    }
    if (request.routeOptions.config.public === true) {
      // Open routes mint keys: every call counts against the address like a failure would.
      failedRecently.set(request.ip, Date.now() + failureWindowMs)
      refuseIfExceeded(await failures(request))
      return
    }
    const query = request.query as Record<string, unknown> | undefined
    const credential = extractCredential({
      headers: request.headers,
      queryToken: typeof query?.token === 'string' ? query.token : undefined,
      isWebSocketUpgrade: isWebSocketUpgrade(request)
    })
    try {
      if (credential.kind !== 'found') throw invalidAuth()
      request.apiKey = await fastify.keys.authenticate(credential.token)
    } catch (err) {
      if (err instanceof AppError) {
        await countFailure(request)
        request.log.info({ reason: credential.kind === 'found' ? err.code : credential.kind }, 'authentication refused')
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
