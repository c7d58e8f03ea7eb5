// The order of a shutdown, on a real server process: first not ready (503 to anything new, on a port still open),
// then the work already taken finishes, then the port closes and the process exits 0.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import WebSocket from 'ws'
import { tempDir, testEnv, type TestApp } from '../helpers/build.ts'
import { earshot } from '../helpers/cli.ts'
import { startServerProcess } from '../helpers/process.ts'
import { arrivingUpload, parseResponse } from '../helpers/raw-http.ts'
import { connect, refusal } from '../helpers/deepgram-live-client.ts'

const WAV = readFileSync(new URL('../fixtures/audio/jfk-16k-s16.wav', import.meta.url))
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

interface Answer { status: number, headers: IncomingHttpHeaders, body: Record<string, unknown>, reusedSocket: boolean }

/** A GET through `agent`, telling whether it went over a kept-alive connection of an earlier request. */
function get (url: string, path: string, agent: Agent, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { agent, headers }, (res) => {
      let text = ''
      res.on('data', (d) => { text += String(d) })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) as Record<string, unknown>, reusedSocket: req.reusedSocket }))
    })
    req.on('error', reject)
    req.end()
  })
}

function assertShuttingDown (status: number, headers: Headers | IncomingHttpHeaders, body: Record<string, unknown>): void {
  const header = (name: string): string | null | undefined => headers instanceof Headers ? headers.get(name) : headers[name] as string | undefined
  assert.equal(status, 503, JSON.stringify(body))
  assert.equal(body.err_code, 'SERVER_SHUTTING_DOWN')
  assert.equal(typeof body.err_msg, 'string')
  assert.match(String(body.request_id), UUID)
  assert.equal(header('dg-request-id'), body.request_id)
  assert.equal(header('retry-after'), '1')
}

test('SIGTERM: not ready and 503 to anything new while a live session and an upload go on; then they finish, then the port closes', { timeout: 120_000 }, async (t) => {
  // Grace and idle timeout far above what the test takes: the phases must end by what the clients do, not by a timer.
  const env = testEnv(tempDir(t), { SHUTDOWN_GRACE_SECONDS: '120', STREAM_IDLE_TIMEOUT: '120s' })
  const created = await earshot(['create', '--name', 'shutdown', '--json'], { DATABASE_PATH: env.DATABASE_PATH as string })
  const key = (JSON.parse(created.stdout) as { token: string }).token
  const auth = { authorization: `Token ${key}` }
  const server = startServerProcess(env)
  t.after(() => server.child.kill('SIGKILL'))
  const listening = await server.waitFor(/Server listening at http:\/\/127\.0\.0\.1:\d+/)
  await server.waitFor(/default model loaded/)
  const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(listening)?.[1] as string

  // A live session the server is transcribing.
  const live = await connect({ url } as TestApp, '?encoding=linear16&sample_rate=16000&interim_results=true', { headers: auth })
  await live.sendAudio(WAV.subarray(44, 44 + 16000 * 2 * 3))
  await live.until(() => live.results().length > 0)

  // An upload still arriving: a few bytes every 50 ms, well inside the 2 s pause a shutdown allows, until told to end.
  const { exchange: upload, finish } = await arrivingUpload(t, url, key, WAV, async () => await server.waitFor(/"method":"POST","url":"\/v1\/listen".*"msg":"incoming request"/))
  let uploadAnswered = false
  upload.socket.once('data', () => { uploadAnswered = true })

  // A kept-alive connection, used once before the signal.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  t.after(() => agent.destroy())
  assert.equal((await get(url, '/v1/auth/key', agent, auth)).status, 200)

  server.child.kill('SIGTERM')
  await server.waitFor(/"msg":"shutting down: not ready, new requests get 503"/)

  await t.test('/health and /health/ready: 503 not_ready, saying it is shutting down; /health/live: 200', async () => {
    for (const path of ['/health', '/health/ready']) {
      const res = await fetch(`${url}${path}`)
      const body = await res.json() as { status: string, checks: Record<string, string> }
      assert.equal(res.status, 503)
      assert.equal(body.status, 'not_ready')
      assert.equal(body.checks.server, 'shutting down')
    }
    assert.equal((await fetch(`${url}/health/live`)).status, 200)
  })

  await t.test('the kept-alive connection gets the 503 too', async () => {
    const res = await get(url, '/v1/auth/key', agent, auth)
    assert.ok(res.reusedSocket, 'went over the connection kept alive before the signal')
    assertShuttingDown(res.status, res.headers, res.body)
    assert.equal(res.headers.connection, 'close')
  })

  await t.test('a new POST /v1/listen: 503 SERVER_SHUTTING_DOWN in Deepgram\'s shape', async () => {
    const res = await fetch(`${url}/v1/listen`, { method: 'POST', headers: { ...auth, 'content-type': 'audio/wav' }, body: WAV })
    assertShuttingDown(res.status, res.headers, await res.json() as Record<string, unknown>)
  })

  await t.test('a new POST /v1/audio/transcriptions: 503 in OpenAI\'s shape', async () => {
    const form = new FormData()
    form.append('file', new Blob([WAV]), 'jfk.wav')
    form.append('model', 'whisper-1')
    const res = await fetch(`${url}/v1/audio/transcriptions`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form })
    assert.equal(res.status, 503)
    assert.equal(res.headers.get('retry-after'), '1')
    const body = await res.json() as { error: { type: string, code: string, message: string, param: null } }
    assert.deepEqual({ ...body.error, message: typeof body.error.message }, { type: 'server_error', code: 'server_shutting_down', message: 'string', param: null })
  })

  await t.test('a new WebSocket upgrade: refused over HTTP with 503', async () => {
    const refused = await refusal({ url } as TestApp, '?encoding=linear16&sample_rate=16000', { headers: auth })
    assertShuttingDown(refused.status, refused.headers, refused.body as unknown as Record<string, unknown>)
  })

  // All of that while the session is still open and the upload not yet answered.
  assert.equal(live.ws.readyState, WebSocket.OPEN)
  assert.ok(!live.types().includes('Metadata'), live.types().join())
  assert.equal(uploadAnswered, false)

  finish()
  const answer = parseResponse(await upload.closed)
  assert.equal(answer.status, 200, JSON.stringify(answer.body))
  const uploadId = answer.headers['dg-request-id'] as string
  assert.equal((answer.body.metadata as { request_id: string }).request_id, uploadId)

  const closed = await live.closed
  assert.equal(closed.code, 1001)
  assert.ok(live.finals().length >= 1, live.types().join())
  assert.equal(live.messages.at(-1)?.type, 'Metadata')
  assert.deepEqual(live.problems, [])

  assert.equal(await server.exited, 0)
  // The port closed only after the work it had taken was done.
  const at = (pattern: RegExp): number => server.lines.findIndex((l) => pattern.test(l))
  const portClosed = at(/"msg":"shutting down: closing the port"/)
  const uploadCompleted = at(new RegExp(`"reqId":"${uploadId}".*"msg":"request completed"`))
  assert.ok(uploadCompleted > 0 && portClosed > uploadCompleted, 'after the upload was answered')
  assert.ok(portClosed > at(/"msg":"shutting down: finishing live sessions"/))
  await assert.rejects(fetch(`${url}/health/live`), (err: Error & { cause?: { code?: string } }) => err.cause?.code === 'ECONNREFUSED')
  assert.ok(!server.lines.some((l) => l.includes(key)), 'the key never reaches the log')
})
