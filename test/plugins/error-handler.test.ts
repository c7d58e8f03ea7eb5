import { test } from 'node:test'
import assert from 'node:assert/strict'
import { build } from '../helpers/build.ts'

test('unknown routes get a Deepgram-shaped 404 with dg-request-id', async (t) => {
  const { fetch } = await build(t)
  const res = await fetch('/v2/nothing?x=1')
  assert.equal(res.status, 404)
  const body = await res.json() as Record<string, unknown>
  assert.deepEqual(Object.keys(body).sort(), ['err_code', 'err_msg', 'request_id'])
  assert.equal(body.err_code, 'NOT_FOUND')
  assert.equal(body.err_msg, 'Route GET /v2/nothing not found.')
  assert.equal(res.headers.get('dg-request-id'), body.request_id)
})

test('every response carries a fresh dg-request-id, and a client cannot choose it', async (t) => {
  const { fetch } = await build(t)
  const ids = new Set<string>()
  for (const path of ['/health', '/docs/json', '/v1/auth/key', '/missing']) {
    const res = await fetch(path, { headers: { 'request-id': 'forged', 'x-request-id': 'forged' } })
    const id = res.headers.get('dg-request-id')
    assert.match(id ?? '', /^[0-9a-f-]{36}$/, path)
    ids.add(id as string)
  }
  assert.equal(ids.size, 4)
})

test('a malformed JSON body is a 400 in the Deepgram shape and the server stays up', async (t) => {
  const { fetch, createKey } = await build(t, { ENABLE_TEST_TOKEN_ENDPOINT: 'true' })
  const res = await fetch('/v1/auth/test-token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"unterminated' })
  assert.equal(res.status, 400)
  const body = await res.json() as Record<string, unknown>
  assert.equal(body.err_code, 'Bad Request')
  assert.equal(typeof body.err_msg, 'string')
  assert.equal(body.request_id, res.headers.get('dg-request-id'))
  const key = await createKey()
  assert.equal((await fetch('/v1/auth/key', { headers: { authorization: `Token ${key}` } })).status, 200)
})

test('a 5xx never echoes the underlying message', async (t) => {
  const { fetch, createKey, app, logs } = await build(t)
  const key = await createKey()
  // Break the store underneath the running server: the next lookup fails inside the driver.
  await app.keyRepository.close()
  const res = await fetch('/v1/auth/key', { headers: { authorization: `Token ${key}` } })
  assert.equal(res.status, 500)
  const body = await res.json() as Record<string, unknown>
  assert.deepEqual(body, { err_code: 'INTERNAL_SERVER_ERROR', err_msg: 'Internal server error.', request_id: res.headers.get('dg-request-id') })
  assert.ok(logs.some((l) => JSON.parse(l).level === 50), 'the real error is logged')
  const health = await fetch('/health')
  assert.equal(health.status, 503)
  const status = await health.json() as { status: string, checks: { database: string } }
  assert.equal(status.status, 'not_ready')
  assert.match(status.checks.database, /^failed: /)
})
