// test:serial — 1 s timeouts for slow clients while a normal client must be served.
// Slow and stalled clients, all at once, against one server: each is cut with a 408 where HTTP still allows it,
// and a normal client is served meanwhile.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { build } from '../helpers/build.ts'
import { parseResponse, rawConnection, trickle } from '../helpers/raw-http.ts'

interface SlowClient { name: string, head: string, body?: string, gapMs?: number, expect: number | 'closed' }

test('slow and stalled clients are cut, normal clients are served', { timeout: 60_000 }, async (t) => {
  const app = await build(t, { HEADERS_TIMEOUT: '1s', BODY_IDLE_TIMEOUT: '1s', REQUEST_TIMEOUT: '3s', KEEP_ALIVE_TIMEOUT: '1s' })
  const key = await app.createKey()
  const post = (length: number): string =>
    `POST /v1/listen HTTP/1.1\r\nHost: x\r\nAuthorization: Token ${key}\r\nContent-Type: audio/wav\r\nContent-Length: ${length}\r\n\r\n`
  const clients: SlowClient[] = [
    { name: 'connects and sends nothing', head: '', expect: 'closed' },
    { name: 'half a request line', head: 'GET /v1/auth', expect: 408 },
    { name: 'headers at 5 bytes/s', head: '', body: `GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(200)}`, gapMs: 200, expect: 408 },
    { name: 'WebSocket upgrade headers at 5 bytes/s', head: '', body: `GET /v1/listen HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Pad: ${'a'.repeat(200)}`, gapMs: 200, expect: 408 },
    { name: 'headers done, body never starts', head: post(100_000), expect: 408 },
    { name: 'body stalls after 10 bytes', head: post(1_048_576) + '0123456789', expect: 408 },
    { name: 'body trickles past REQUEST_TIMEOUT', head: post(1_048_576), body: 'x'.repeat(400), gapMs: 100, expect: 408 },
    { name: 'chunked body that stalls', head: `POST /v1/listen HTTP/1.1\r\nHost: x\r\nAuthorization: Token ${key}\r\nContent-Type: audio/wav\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n`, expect: 408 },
    { name: 'idle keep-alive after a response', head: 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n', expect: 'closed' }
  ]
  const outcomes = clients.map(async (c) => {
    const { socket, closed } = await rawConnection(app.url)
    socket.write(c.head)
    if (c.body !== undefined) void trickle(socket, c.body, c.gapMs ?? 100)
    return [c, await closed] as const
  })
  // Meanwhile the server serves.
  const res = await app.fetch('/v1/auth/key', { headers: { authorization: `Token ${key}` } })
  assert.equal(res.status, 200)
  for (const [c, text] of await Promise.all(outcomes)) {
    if (c.expect === 'closed') continue
    const parsed = parseResponse(text)
    assert.equal(parsed.status, c.expect, c.name)
    assert.equal(parsed.body.err_code, 'REQUEST_TIMEOUT', c.name)
    assert.equal(parsed.headers['dg-request-id'], parsed.body.request_id, c.name)
  }
  assert.ok(!app.logs.some((l) => /"level":(50|60)/.test(l)), 'no slow client is logged as a server error')
})
