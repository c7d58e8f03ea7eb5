import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Config } from '../config.ts'
import type { ApiKeyRecord } from '../db/keys-repository.ts'
import type { UsageTotals } from '../db/usage-repository.ts'
import { authErrors, errorResponse } from '../protocols/deepgram/errors.ts'

const keyInfo = z.object({
  name: z.string().meta({ example: 'AdminToken' }),
  prefix: z.string().meta({ example: '90e4b318' }),
  scopes: z.array(z.string()).meta({ example: ['member'] }),
  created_at: z.string().meta({ example: '2026-11-23T12:00:00.000Z' }),
  last_used_at: z.string().nullable(),
  expires_at: z.string().nullable()
})

const usageInfo = z.object({
  requests: z.number().int().describe('Authenticated requests made with this key (a live session counts as one)'),
  failed_requests: z.number().int().describe('Of those, answered 4xx/5xx, abandoned by the client, or live sessions closed with an error code'),
  audio_seconds: z.number().describe('Seconds of audio transcribed'),
  hours: z.number().describe("The same in hours, Deepgram's usage unit"),
  last_used_at: z.string().nullable().describe('Last request counted (to the millisecond; the key\'s own last_used_at is written at most once a minute)')
}).describe("The calling key's usage, all time, this request not included").meta({ id: 'KeyUsage' })

const usageInfoOf = (usage: UsageTotals): z.infer<typeof usageInfo> => ({
  requests: usage.requests,
  failed_requests: usage.failedRequests,
  audio_seconds: usage.audioSeconds,
  hours: usage.audioSeconds / 3600,
  last_used_at: usage.lastUsedAt
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
      summary: 'The calling key: lets a user check that a key works, when it expires, and what it has used',
      response: { 200: keyInfo.extend({ usage: usageInfo }), ...authErrors }
    }
  }, async (request) => {
    const key = request.apiKey as ApiKeyRecord
    return { ...keyInfoOf(key), usage: usageInfoOf(await fastify.usage.figures(key.id)) }
  })

  if (!config.ENABLE_TEST_TOKEN_ENDPOINT) return

  fastify.log.warn({ ttlSeconds: config.TEST_TOKEN_TTL },
    'ENABLE_TEST_TOKEN_ENDPOINT is on: anyone who can reach this server can get a temporary API key')

  fastify.post('/auth/test-token', {
    config: { public: true },
    schema: {
      tags: ['auth'],
      summary: 'A temporary key (only when ENABLE_TEST_TOKEN_ENDPOINT=true; expires after TEST_TOKEN_TTL)',
      security: [],
      response: { 200: keyInfo.extend({ token: z.string() }), 429: errorResponse }
    }
  }, async () => {
    const expiresAt = new Date(Date.now() + config.TEST_TOKEN_TTL * 1000)
    const { token, key } = await fastify.keys.create({ name: `test-token-${new Date().toISOString()}`, expiresAt })
    return { ...keyInfoOf(key), token }
  })
}

export default authRoutes
