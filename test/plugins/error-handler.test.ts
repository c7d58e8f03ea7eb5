import { test } from 'node:test'
import assert from 'node:assert/strict'
import { build } from '../helpers/build.ts'
import { rawConnection } from '../helpers/raw-http.ts'

test('unknown routes get a Deepgram-shaped 404 with dg-request-id', async (t) => {
  const { fetch } = await build(t)
  const res = await fetch('/v2/nothing?x=1')
  assert.equal(res.status, 404)
  const body = await res.json() as Record<string, unknown>
  assert.deepEqual(Object.keys(body).sort(), ['err_code', 'err_msg', 'request_id'])
  assert.equal(body.err_code, 'NOT_FOUND')
  assert.equal(body.err_msg, "Route GET '/v2/nothing' not found.")
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

test('a client that hangs up mid-request is logged at info, never as an error-level 500', async (t) => {
  // Real-shaped tiny.en on a full 30 s window: three minutes of audio take seconds to decode, so the client
  // is gone long before the answer.
  const app = await build(t, { DEFAULT_AUDIO_CTX: '0' }, 'tiny.en')
  const key = await app.createKey()
  await app.waitForLog(/default model loaded/)
  const pcm = Buffer.alloc(16000 * 2 * 180)
  for (let i = 0; i < pcm.length / 2; i++) pcm.writeInt16LE(Math.round(3000 * Math.sin(i / 7)), i * 2)
  for (const hangUp of ['after the body', 'during the body']) {
    const { socket, closed } = await rawConnection(app.url)
    // vad=false: the tone is not speech, and with VAD on nothing would be decoded (the answer would come at once)
    socket.write(`POST /v1/listen?encoding=linear16&sample_rate=16000&vad=false HTTP/1.1\r\nHost: x\r\nAuthorization: Token ${key}\r\n` +
      `Content-Type: application/octet-stream\r\nContent-Length: ${pcm.length}\r\n\r\n`)
    const sent = hangUp === 'after the body' ? pcm : pcm.subarray(0, pcm.length / 2)
    await new Promise<void>((resolve) => socket.write(sent, () => resolve()))
    if (hangUp === 'after the body') await app.waitForLog(/"msg":"incoming request"/)
    socket.destroy()
    await closed
    const line = await app.waitForLog(/client closed the connection before the response/)
    assert.equal((JSON.parse(line) as { level: number }).level, 30, hangUp)
    app.logs.splice(0)
  }
  assert.ok(!app.logs.some((l) => /"level":(50|60)/.test(l)), app.logs.filter((l) => /"level":50/.test(l)).join('\n'))
})
