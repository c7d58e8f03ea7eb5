import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Config } from '../config.ts'
import type { ApiKeyRecord } from '../db/keys-repository.ts'
import { authErrors, errorBody } from './schemas.ts'

const keyInfo = z.object({
  name: z.string().meta({ example: 'AdminToken' }),
  prefix: z.string().meta({ example: '90e4b318' }),
  scopes: z.array(z.string()).meta({ example: ['member'] }),
  created_at: z.string().meta({ example: '2026-11-23T12:00:00.000Z' }),
  last_used_at: z.string().nullable(),
  expires_at: z.string().nullable()
})

const keyInfoOf = (key: ApiKeyRecord): z.infer<typeof keyInfo> => ({
  name: key.name,
  prefix: key.prefix,
  scopes: key.scopes,
  created_at: key.createdAt,
  last_used_at: key.lastUsedAt,
  expires_at: key.expiresAt
})

const authRoutes: FastifyPluginAsyncZod<{ config: Config }> = async (fastify, { config }) => {
  fastify.get('/auth/key', {
    schema: {
      tags: ['auth'],
      summary: 'The calling key: lets a user check that a key works and when it expires',
      response: { 200: keyInfo, ...authErrors }
    }
  }, async (request) => keyInfoOf(request.apiKey as ApiKeyRecord))

  if (!config.ENABLE_TEST_TOKEN_ENDPOINT) return

  fastify.log.warn({ ttlSeconds: config.TEST_TOKEN_TTL },
    'ENABLE_TEST_TOKEN_ENDPOINT is on: anyone who can reach this server can get a temporary API key')

  fastify.post('/auth/test-token', {
    config: { public: true },
    schema: {
      tags: ['auth'],
      summary: 'A temporary key (only when ENABLE_TEST_TOKEN_ENDPOINT=true; expires after TEST_TOKEN_TTL)',
      security: [],
      response: { 200: keyInfo.extend({ token: z.string() }), 429: errorBody }
    }
  }, async () => {
    const expiresAt = new Date(Date.now() + config.TEST_TOKEN_TTL * 1000)
    const { token, key } = await fastify.keys.create({ name: `test-token-${new Date().toISOString()}`, expiresAt })
    return { ...keyInfoOf(key), token }
  })
}

export default authRoutes
