import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'
import WebSocket from 'ws'
import type {} from '@fastify/websocket'
import { build } from '../helpers/build.ts'
import { parseResponse, rawConnection, trickle } from '../helpers/raw-http.ts'
import errorHandler from '../../src/plugins/error-handler.ts'
import readiness from '../../src/plugins/readiness.ts'
import shutdown from '../../src/plugins/shutdown.ts'
import websocket from '../../src/plugins/websocket.ts'
import connections from '../../src/plugins/connections.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const WAV = readFileSync(new URL('../fixtures/audio/jfk-16k-s16.wav', import.meta.url))
// Without the fixes these tests hang (no timeout, or node's 60 s + 30 s); the limit turns that into a failure.
const BOUNDED = { timeout: 30_000 }

function assertDeepgramError (text: string, status: number, code: string): void {
  const res = parseResponse(text)
  assert.equal(res.status, status, text)
  assert.equal(res.body.err_code, code)
  assert.equal(typeof res.body.err_msg, 'string')
  assert.match(String(res.body.request_id), UUID)
  assert.equal(res.headers['dg-request-id'], res.body.request_id)
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8')
}

test('a stalled upload is closed with a Deepgram-shaped 408 after BODY_IDLE_TIMEOUT', BOUNDED, async (t) => {
  const app = await build(t, { BODY_IDLE_TIMEOUT: '1s' })
  const key = await app.createKey()
  const { socket, closed } = await rawConnection(app.url)
  socket.write(`POST /v1/listen HTTP/1.1\r\nHost: x\r\nAuthorization: Token ${key}\r\nContent-Type: audio/wav\r\nContent-Length: 1048576\r\n\r\n0123456789`)
  assertDeepgramError(await closed, 408, 'REQUEST_TIMEOUT')
  assert.ok(!app.logs.some((l) => /"level":50/.test(l)), 'nothing logged as an error')
})

test('an upload that keeps flowing outlasts BODY_IDLE_TIMEOUT many times over', BOUNDED, async (t) => {
  const app = await build(t, { BODY_IDLE_TIMEOUT: '3s' })
  const key = await app.createKey()
  const { socket, closed } = await rawConnection(app.url)
  socket.write(`POST /v1/listen HTTP/1.1\r\nHost: x\r\nAuthorization: Token ${key}\r\nContent-Type: audio/wav\r\nContent-Length: ${WAV.length}\r\nConnection: close\r\n\r\n`)
  const pieces = 30
  const size = Math.ceil(WAV.length / pieces)
  // 30 pieces 250 ms apart: 7.5 s of upload, two and a half idle timeouts, never near 3 s without data.
  for (let i = 0; i < pieces; i++) {
    socket.write(WAV.subarray(i * size, (i + 1) * size))
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  const res = parseResponse(await closed)
  assert.equal(res.status, 200, JSON.stringify(res.body))
})

test('REQUEST_TIMEOUT bounds the whole request, however it trickles', BOUNDED, async (t) => {
  const app = await build(t, { BODY_IDLE_TIMEOUT: '60s', HEADERS_TIMEOUT: '1s', REQUEST_TIMEOUT: '2s' })
  const key = await app.createKey()
  const { socket, closed } = await rawConnection(app.url)
  socket.write(`POST /v1/listen HTTP/1.1\r\nHost: x\r\nAuthorization: Token ${key}\r\nContent-Type: audio/wav\r\nContent-Length: 1048576\r\n\r\n`)
  void trickle(socket, 'x'.repeat(1000), 100)
  assertDeepgramError(await closed, 408, 'REQUEST_TIMEOUT')
})

test('headers sent at a byte at a time are cut after HEADERS_TIMEOUT with a 408', BOUNDED, async (t) => {
  const app = await build(t, { HEADERS_TIMEOUT: '1s' })
  for (const upgrade of [false, true]) {
    const { socket, closed } = await rawConnection(app.url)
    const head = upgrade
      ? 'GET /v1/listen HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n'
      : 'GET /v1/auth/key HTTP/1.1\r\nHost: x\r\nX-Padding: '
    void trickle(socket, head + 'a'.repeat(1000), 200)
    assertDeepgramError(await closed, 408, 'REQUEST_TIMEOUT')
  }
})

test('an idle kept-alive connection is closed after KEEP_ALIVE_TIMEOUT', BOUNDED, async (t) => {
  const app = await build(t, { KEEP_ALIVE_TIMEOUT: '1s' })
  const { socket, closed } = await rawConnection(app.url)
  socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n')
  const text = await closed
  assert.match(text, /^HTTP\/1\.1 (200|503)/)
})

test('errors the HTTP parser and router raise have the Deepgram body and dg-request-id', BOUNDED, async (t) => {
  const app = await build(t)
  const cases: Array<[string, string, number, string]> = [
    ['20 KB query string', `GET /v1/listen?${'a=b&'.repeat(5000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, 'REQUEST_HEADER_FIELDS_TOO_LARGE'],
    ['huge header', `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'REQUEST_HEADER_FIELDS_TOO_LARGE'],
    ['malformed request line', 'GET /health HTTP/9\r\n\r\n', 400, 'Bad Request'],
    ['not HTTP at all', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n', 400, 'Bad Request'],
    ['bad header name', 'GET /health HTTP/1.1\r\nHo st: x\r\n\r\n', 400, 'Bad Request'],
    ['undecodable URL', 'GET /v1/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 400, 'Bad Request']
  ]
  for (const [name, request, status, code] of cases) {
    const { socket, closed } = await rawConnection(app.url)
    socket.write(request)
    await t.test(name, async () => { assertDeepgramError(await closed, status, code) })
  }
  assert.ok([200, 503].includes((await app.fetch('/health')).status), 'still up')
})

test('a WebSocket handshake the server holds up is answered 408 after the handshake timeout', BOUNDED, async (t) => {
  const app = Fastify()
  await app.register(errorHandler)
  await app.register(readiness)
  await app.register(shutdown, { drainDelayMs: 0, graceMs: 10_000 })
  await app.register(websocket)
  await app.register(connections, { bodyIdleMs: 60_000, handshakeMs: 300 })
  let release = (): void => {}
  app.route({
    method: 'GET',
    url: '/slow',
    preHandler: async () => { await new Promise<void>((resolve) => { release = resolve }) },
    handler: async () => 'plain',
    wsHandler: (socket) => { socket.close() }
  })
  t.after(async () => { release(); await app.close() })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const ws = new WebSocket(`ws://127.0.0.1:${port}/slow`)
  ws.on('error', () => {})
  const [status, body] = await new Promise<[number, string]>((resolve, reject) => {
    ws.once('open', () => reject(new Error('upgraded')))
    ws.once('unexpected-response', (_req, res) => {
      let text = ''
      res.on('data', (d: Buffer) => { text += String(d) })
      res.on('end', () => resolve([res.statusCode ?? 0, text]))
    })
  })
  assert.equal(status, 408)
  assert.equal((JSON.parse(body) as { err_code: string }).err_code, 'REQUEST_TIMEOUT')
})

test('shutdown does not wait for a stalled upload: it gets 503 SERVER_SHUTTING_DOWN within seconds', BOUNDED, async (t) => {
  const app = await build(t, { BODY_IDLE_TIMEOUT: '600s' })
  const key = await app.createKey()
  const { socket, closed } = await rawConnection(app.url)
  socket.write(`POST /v1/listen HTTP/1.1\r\nHost: x\r\nAuthorization: Token ${key}\r\nContent-Type: audio/wav\r\nContent-Length: 1048576\r\n\r\n0123456789`)
  await app.waitForLog(/"msg":"incoming request"/)
  await app.app.close()
  const res = parseResponse(await closed)
  assert.equal(res.status, 503)
  assert.equal(res.body.err_code, 'SERVER_SHUTTING_DOWN')
  assert.equal(res.headers['retry-after'], '1')
})
