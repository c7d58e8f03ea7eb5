// test:serial — live sessions must finish within a 7 s grace period with a 1 s margin.
// The shutdown phases' bounds, in process: SHUTDOWN_DRAIN_DELAY keeps the port answering, a refused upload is
// answered rather than reset, and live sessions start finishing in time for the grace period whatever is in flight.
// The whole order, on a real process, is test/reliability/shutdown.test.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { build } from '../helpers/build.ts'
import { arrivingUpload, parseResponse, rawConnection } from '../helpers/raw-http.ts'
import { connect } from '../helpers/deepgram-live-client.ts'

const WAV = readFileSync(new URL('../fixtures/audio/jfk-16k-s16.wav', import.meta.url))

test('SHUTDOWN_DRAIN_DELAY: with nothing in flight the port stays open, not ready, for the delay, then closes', async (t) => {
  const app = await build(t, { SHUTDOWN_DRAIN_DELAY: '2s' })
  const key = await app.createKey()
  const started = Date.now()
  const closed = app.app.close().then(() => Date.now() - started)
  await app.waitForLog(/"msg":"shutting down: not ready, new requests get 503"/)

  const health = await app.fetch('/health')
  assert.equal(health.status, 503)
  assert.equal((await health.json() as { checks: Record<string, string> }).checks.server, 'shutting down')
  // An upload still being sent after the 503 has come, as from a client that reads only once its body is sent:
  // the server reads and drops the rest, so the client gets to read its answer instead of a reset.
  const body = Buffer.concat(Array(24).fill(WAV))
  const upload = await rawConnection(app.url)
  const errors: string[] = []
  upload.socket.on('error', (err: Error & { code?: string }) => { errors.push(err.code ?? err.message) })
  const head = `POST /v1/listen HTTP/1.1\r\nHost: x\r\nAuthorization: Token ${key}\r\nContent-Type: audio/wav\r\nContent-Length: ${body.length}\r\n\r\n`
  upload.socket.write(head)
  upload.socket.write(body.subarray(0, 1024))
  await once(upload.socket, 'data')
  upload.socket.write(body.subarray(1024))
  const refused = parseResponse(await upload.closed)
  assert.deepEqual(errors, [])
  assert.equal(upload.socket.bytesWritten, Buffer.byteLength(head) + body.length)
  assert.equal(refused.status, 503)
  assert.equal(refused.body.err_code, 'SERVER_SHUTTING_DOWN')

  assert.ok(await closed >= 2000, 'the port stayed open for the whole delay')
  await assert.rejects(app.fetch('/health/live'), (err: Error & { cause?: { code?: string } }) => err.cause?.code === 'ECONNREFUSED')
})

test('live sessions start finishing in time for the grace period, even while a request is still in flight', { timeout: 60_000 }, async (t) => {
  // 7 s of grace: the sessions' 5 s to flush and a 1 s margin leave 1 s for the not-ready phase
  const app = await build(t, { SHUTDOWN_GRACE_SECONDS: '7' })
  const key = await app.createKey()
  const live = await connect(app, '?encoding=linear16&sample_rate=16000&interim_results=true', { headers: { authorization: `Token ${key}` } })
  await live.sendAudio(WAV.subarray(44, 44 + 16000 * 2 * 3))
  await live.until(() => live.results().length > 0)

  // an upload that keeps arriving for as long as the session is open
  const upload = await arrivingUpload(t, app.url, key, WAV, async () => await app.waitForLog(/"method":"POST","url":"\/v1\/listen".*"msg":"incoming request"/))

  const closing = app.app.close()
  const closed = await live.closed
  assert.equal(closed.code, 1001)
  assert.equal(live.messages.at(-1)?.type, 'Metadata')
  assert.ok(upload.sent() < WAV.length, 'the upload was still arriving')

  upload.finish()
  assert.equal(parseResponse(await upload.exchange.closed).status, 200)
  await closing
})
