import { test } from 'node:test'
import assert from 'node:assert/strict'
import { build } from '../helpers/build.ts'

test('POST /v1/auth/test-token is 404 unless enabled', async (t) => {
  const { fetch } = await build(t)
  const res = await fetch('/v1/auth/test-token', { method: 'POST' })
  assert.equal(res.status, 404)
  assert.equal((await res.json() as { err_code: string }).err_code, 'NOT_FOUND')
})

test('enabled, it warns at start-up and returns a working key that expires after TEST_TOKEN_TTL', async (t) => {
  const { fetch, logs } = await build(t, { ENABLE_TEST_TOKEN_ENDPOINT: 'true', TEST_TOKEN_TTL: '15m' })
  assert.ok(logs.some((l) => JSON.parse(l).level === 40 && l.includes('ENABLE_TEST_TOKEN_ENDPOINT')), 'start-up warning')

  const before = Date.now()
  const res = await fetch('/v1/auth/test-token', { method: 'POST' })
  assert.equal(res.status, 200)
  const body = await res.json() as { token: string, expires_at: string, prefix: string }
  assert.match(body.token, /^[0-9a-f]{64}$/)
  assert.equal(body.prefix, body.token.slice(0, 8))
  const ttl = Date.parse(body.expires_at) - before
  assert.ok(ttl >= 15 * 60_000 - 1000 && ttl <= 15 * 60_000 + 1000, `ttl ${ttl}`)

  const headers = { authorization: `Token ${body.token}` }
  assert.equal((await fetch('/v1/auth/key', { headers })).status, 200)

  // Move the clock past the expiry instead of waiting for it.
  t.mock.timers.enable({ apis: ['Date'], now: Date.parse(body.expires_at) + 1000 })
  const expired = await fetch('/v1/auth/key', { headers })
  assert.equal(expired.status, 403)
  const refusal = await expired.json() as { err_code: string, expires_at: string }
  assert.equal(refusal.err_code, 'KEY_EXPIRED')
  assert.equal(refusal.expires_at, body.expires_at)
})
