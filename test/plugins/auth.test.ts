import { test } from 'node:test'
import assert from 'node:assert/strict'
import { build } from '../helpers/build.ts'
import { connect, refusal } from '../helpers/deepgram-live-client.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

async function expectInvalidAuth (res: Response): Promise<void> {
  assert.equal(res.status, 401)
  assert.equal(res.headers.get('www-authenticate'), 'Token')
  const body = await res.json() as Record<string, unknown>
  assert.equal(body.err_code, 'INVALID_AUTH')
  assert.equal(body.err_msg, 'Invalid credentials.')
  assert.match(String(body.request_id), UUID)
  assert.equal(res.headers.get('dg-request-id'), body.request_id)
}

test('every accepted header form authenticates', async (t) => {
  const { fetch, createKey } = await build(t)
  const key = await createKey({ name: 'forms' })
  const forms: Record<string, string>[] = [
    { authorization: `Token ${key}` },
    { authorization: `token ${key}` },
    { authorization: `TOKEN   ${key}` },
    { authorization: `Bearer ${key}` },
    { authorization: `bearer ${key}` },
    { 'x-api-token': key },
    { 'api-token': key }
  ]
  for (const headers of forms) {
    const res = await fetch('/v1/auth/key', { headers })
    assert.equal(res.status, 200, JSON.stringify(Object.keys(headers)))
    const body = await res.json() as { name: string, prefix: string }
    assert.equal(body.name, 'forms')
    assert.equal(body.prefix, key.slice(0, 8))
  }
})

test('missing, malformed, unknown and query-string credentials are refused with 401', async (t) => {
  const { fetch, createKey } = await build(t)
  const key = await createKey()
  const refused: Array<[string, RequestInit]> = [
    ['/v1/auth/key', {}],
    ['/v1/auth/key', { headers: { authorization: `Basic ${key}` } }],
    ['/v1/auth/key', { headers: { authorization: key } }],
    ['/v1/auth/key', { headers: { authorization: 'Token ' } }],
    ['/v1/auth/key', { headers: { authorization: 'Token' } }],
    ['/v1/auth/key', { headers: { 'x-api-token': '' } }],
    ['/v1/auth/key', { headers: { authorization: `Token ${key}x` } }],
    ['/v1/auth/key', { headers: { authorization: `Token ${'0'.repeat(64)}` } }],
    // ?token= is only for WebSocket upgrades, where browsers cannot set headers
    [`/v1/auth/key?token=${key}`, {}]
  ]
  for (const [path, init] of refused) await expectInvalidAuth(await fetch(path, init))
})

test('a revoked key is refused at once', async (t) => {
  const { fetch, createKey, app } = await build(t)
  const key = await createKey({ name: 'soon-revoked' })
  assert.equal((await fetch('/v1/auth/key', { headers: { authorization: `Token ${key}` } })).status, 200)
  const outcome = await app.keys.revoke(key.slice(0, 8))
  assert.equal(outcome.kind, 'revoked')
  await expectInvalidAuth(await fetch('/v1/auth/key', { headers: { authorization: `Token ${key}` } }))
})

test('an expired key gets 403 KEY_EXPIRED with its expiry', async (t) => {
  const { fetch, createKey } = await build(t)
  const expiresAt = new Date(Date.now() - 60_000)
  const key = await createKey({ expiresAt })
  const res = await fetch('/v1/auth/key', { headers: { authorization: `Token ${key}` } })
  assert.equal(res.status, 403)
  const body = await res.json() as Record<string, unknown>
  assert.equal(body.err_code, 'KEY_EXPIRED')
  assert.equal(body.expires_at, expiresAt.toISOString())
  assert.equal(typeof body.err_msg, 'string')
  assert.equal(body.request_id, res.headers.get('dg-request-id'))
})

test('the calling key is described by GET /v1/auth/key, and last use is recorded', async (t) => {
  const { fetch, createKey, app } = await build(t)
  const expiresAt = new Date(Date.now() + 86_400_000)
  const key = await createKey({ name: 'described', expiresAt })
  const res = await fetch('/v1/auth/key', { headers: { authorization: `Token ${key}` } })
  const body = await res.json() as Record<string, unknown>
  assert.deepEqual(Object.keys(body).sort(), ['created_at', 'expires_at', 'last_used_at', 'name', 'prefix', 'scopes', 'usage'])
  assert.equal(body.expires_at, expiresAt.toISOString())
  assert.deepEqual(body.scopes, ['member'])
  const [stored] = await app.keys.list({ includeRevoked: false })
  assert.ok(stored?.lastUsedAt !== null, 'last_used_at is written on first use')
})

test('requests per key over the limit get 429 with Retry-After', async (t) => {
  const { fetch, createKey } = await build(t, { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW: '60s' })
  const key = await createKey()
  const other = await createKey({ name: 'other' })
  const headers = { authorization: `Token ${key}` }
  for (let i = 0; i < 3; i++) assert.equal((await fetch('/v1/auth/key', { headers })).status, 200)
  const res = await fetch('/v1/auth/key', { headers })
  assert.equal(res.status, 429)
  const retryAfter = Number(res.headers.get('retry-after'))
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`)
  const body = await res.json() as Record<string, unknown>
  assert.equal(body.err_code, 'RATE_LIMIT_EXCEEDED')
  assert.equal(body.retry_after, retryAfter)
  assert.equal(typeof body.err_msg, 'string')
  assert.equal(body.request_id, res.headers.get('dg-request-id'))
  // the limit is per key: another key is unaffected
  assert.equal((await fetch('/v1/auth/key', { headers: { authorization: `Token ${other}` } })).status, 200)
})

test('failures past the per-address budget get 429, yet a valid key from that address is served (HTTP)', async (t) => {
  const { fetch, createKey } = await build(t, { AUTH_FAILURE_LIMIT_MAX: '3', AUTH_FAILURE_LIMIT_WINDOW: '60s' })
  const key = await createKey()
  const wrong = { headers: { authorization: `Token ${'0'.repeat(64)}` } }
  for (let i = 0; i < 3; i++) assert.equal((await fetch('/v1/auth/key', wrong)).status, 401)
  // Far past the budget, as a script guessing keys (or every user behind one proxy) would be.
  for (let i = 0; i < 40; i++) {
    const res = await fetch('/v1/auth/key', i % 2 === 0 ? wrong : {})
    assert.equal(res.status, 429, `failure ${i + 4}`)
    assert.ok(Number(res.headers.get('retry-after')) >= 1)
    const body = await res.json() as Record<string, unknown>
    assert.equal(body.err_code, 'RATE_LIMIT_EXCEEDED')
    assert.equal(body.request_id, res.headers.get('dg-request-id'))
  }
  for (const headers of [{ authorization: `Token ${key}` }, { 'x-api-token': key }] as Array<Record<string, string>>) {
    const res = await fetch('/v1/auth/key', { headers })
    assert.equal(res.status, 200, 'the valid key is served')
  }
  assert.equal((await fetch('/v1/auth/key', wrong)).status, 429, 'failures stay throttled after a success')
})

test('failures past the per-address budget get 429, yet a valid key from that address opens a WebSocket', async (t) => {
  const app = await build(t, { AUTH_FAILURE_LIMIT_MAX: '2', AUTH_FAILURE_LIMIT_WINDOW: '60s' })
  const key = await app.createKey()
  const query = '?encoding=linear16&sample_rate=16000'
  assert.equal((await refusal(app, query, { headers: { authorization: 'Token nope' } })).status, 401)
  assert.equal((await refusal(app, `${query}&token=nope`)).status, 401)
  for (let i = 0; i < 5; i++) {
    const refused = await refusal(app, `${query}&token=still-wrong-${i}`)
    assert.equal(refused.status, 429)
    assert.equal(refused.body.err_code, 'RATE_LIMIT_EXCEEDED')
  }
  for (const options of [{ headers: { authorization: `Token ${key}` } }, { protocols: ['token', key] }]) {
    const client = await connect(app, query, options)
    client.sendJson({ type: 'CloseStream' })
    assert.equal((await client.closed).code, 1000)
  }
  const viaQuery = await connect(app, `${query}&token=${key}`)
  viaQuery.sendJson({ type: 'CloseStream' })
  assert.equal((await viaQuery.closed).code, 1000)
  assert.equal((await fetch(`${app.url}/v1/auth/key`, { headers: { authorization: `Token ${key}` } })).status, 200)
})

test('no key or token value reaches the log', async (t) => {
  const { fetch, createKey, logs } = await build(t, { LOG_LEVEL: 'trace' })
  const key = await createKey()
  const wrong = 'f'.repeat(64)
  await fetch('/v1/auth/key', { headers: { authorization: `Token ${key}` } })
  await fetch('/v1/auth/key', { headers: { 'x-api-token': key } })
  await fetch('/v1/auth/key', { headers: { 'api-token': wrong } })
  await fetch(`/v1/auth/key?token=${key}`)
  await fetch(`/v1/nowhere?a=1&token=${wrong}`)
  assert.ok(logs.length >= 10, 'requests were logged')
  assert.ok(logs.some((l) => l.includes('token=[REDACTED]')), 'the query token is shown redacted')
  for (const line of logs) {
    assert.ok(!line.includes(key), `key in log: ${line}`)
    assert.ok(!line.includes(wrong), `token in log: ${line}`)
    assert.ok(!line.includes(key.slice(8)), `key tail in log: ${line}`)
  }
})
