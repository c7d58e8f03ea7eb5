// test:serial — bounds the bytes the server reads before it refuses: a busy server reads more.
// A body over BODY_LIMIT is refused as soon as that is known, and the server reads no more of it: at once from
// Content-Length, at the limit while a chunked body streams (a form's file part, or the form as a whole). Each
// 413 is in its API's error shape, names the limit, and closes the connection: Node would otherwise read the rest
// of the body to keep it alive. A client announcing 200 MB gets its answer having sent a few MiB at most.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Socket } from 'node:net'
import { build, type TestApp } from '../helpers/build.ts'
import { testAudio } from '../helpers/models.ts'
import { wav, TONES } from '../helpers/openai.ts'
import { parseResponse, rawConnection, type ParsedResponse } from '../helpers/raw-http.ts'
import { FORM_FIELDS_ROOM } from '../../src/routes/openai-audio.ts'

const MiB = 1024 * 1024
const BODY_LIMIT = MiB
const ANNOUNCED = 200 * 1000 * 1000
/** What the client can have handed to the kernel unread: socket buffers on loopback (a few MiB here). */
const IN_FLIGHT = 40 * MiB
/** What the server may read past the limit: chunks already arrived when it refused (about 100 KiB here). */
const SLACK = 512 * 1024
const CHUNK = Buffer.alloc(64 * 1024, 0x61)
const BOUNDARY = 'earshot-boundary'
const FORM_HEAD = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n` +
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n`)

interface Upload {
  path: string
  type: string
  /** Sent before the filler bytes. */
  head?: Buffer
  chunked: boolean
}

interface Outcome {
  response: ParsedResponse
  /** Body bytes the client's kernel accepted before the connection closed. */
  flushed: number
  /** Bytes the server's socket read, request headers included. */
  serverRead: number
  /** How the client saw the connection close: the server's FIN, or a reset; 'open' if it did not within 10 s. */
  closedBy: 'end' | 'reset' | 'open'
}

/** The next of `events` on `socket` (listeners removed afterwards). */
async function next (socket: Socket, events: string[]): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = (): void => {
      for (const e of events) socket.off(e, done)
      resolve()
    }
    for (const e of events) socket.once(e, done)
  })
}

const answered = (text: string): boolean => {
  const end = text.indexOf('\r\n\r\n')
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1]
  return end !== -1 && length !== undefined && Buffer.byteLength(text.slice(end + 4)) >= Number(length)
}

/**
 * Announces ANNOUNCED bytes (Content-Length, or chunked with no length) and streams them as fast as the connection
 * takes them, until the server answers; then waits (up to 10 s) for the server to close the connection.
 */
async function oversizeUpload (app: TestApp, key: string, upload: Upload): Promise<Outcome> {
  const serverSockets = new Map<number, Socket>()
  const onConnection = (s: Socket): void => { serverSockets.set(s.remotePort ?? 0, s) }
  app.app.server.on('connection', onConnection)
  const { socket } = await rawConnection(app.url)
  const localPort = socket.localPort ?? 0
  let text = ''
  socket.on('data', (d) => { text += String(d) })
  let closedBy: Outcome['closedBy'] = 'open'
  const closing = new Promise<void>((resolve) => {
    const seen = (how: Outcome['closedBy']) => () => {
      if (closedBy === 'open') closedBy = how
      resolve()
    }
    socket.once('end', seen('end'))
    socket.once('error', seen('reset'))
    socket.once('close', seen('reset'))
  })
  const open = (): boolean => closedBy === 'open'
  const progress = ['drain', 'data', 'end', 'error', 'close']

  const framing = upload.chunked ? 'transfer-encoding: chunked' : `content-length: ${ANNOUNCED}`
  socket.write(`POST ${upload.path} HTTP/1.1\r\nhost: earshot\r\nauthorization: Token ${key}\r\n` +
    `content-type: ${upload.type}\r\n${framing}\r\n\r\n`)
  const frame = (bytes: Buffer): Buffer => upload.chunked
    ? Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')])
    : bytes
  let handed = 0
  let flushed = 0
  const send = (bytes: Buffer): boolean => {
    handed += bytes.length
    return socket.write(frame(bytes), (err) => { if (err === undefined || err === null) flushed += bytes.length })
  }
  if (upload.head !== undefined) send(upload.head)
  while (open() && !answered(text) && handed < ANNOUNCED) {
    const bytes = CHUNK.subarray(0, Math.min(CHUNK.length, ANNOUNCED - handed))
    if (!send(bytes)) await next(socket, progress)
  }
  // the whole body went through (the server read it all): end it as announced, so that it answers
  if (open() && !answered(text) && upload.chunked) socket.write('0\r\n\r\n')
  while (open() && !answered(text)) await next(socket, progress)

  let deadline: NodeJS.Timeout | undefined
  await Promise.race([closing, new Promise((resolve) => { deadline = setTimeout(resolve, 10_000) })])
  clearTimeout(deadline)
  const serverRead = serverSockets.get(localPort)?.bytesRead ?? -1
  socket.destroy()
  app.app.server.off('connection', onConnection)
  return { response: parseResponse(text), flushed, serverRead, closedBy }
}

const limitMessage = /at most 1 MiB \(BODY_LIMIT=1048576\)/

function assertDeepgram413 (response: ParsedResponse): void {
  assert.equal(response.status, 413, JSON.stringify(response.body))
  assert.equal(response.body.err_code, 'PAYLOAD_TOO_LARGE')
  assert.match(String(response.body.err_msg), limitMessage)
  assert.equal(response.body.request_id, response.headers['dg-request-id'])
  assert.equal(response.headers.connection, 'close')
}

function assertOpenAi413 (response: ParsedResponse): void {
  assert.equal(response.status, 413, JSON.stringify(response.body))
  const error = response.body.error as Record<string, unknown>
  assert.match(String(error.message), limitMessage)
  assert.deepEqual({ ...error, message: '' }, { message: '', type: 'invalid_request_error', param: 'file', code: 'file_too_large' })
  assert.ok(response.headers['dg-request-id'])
  assert.equal(response.headers.connection, 'close')
}

const uploads: Array<{ name: string, upload: Omit<Upload, 'chunked'>, assert413: (r: ParsedResponse) => void }> = [
  { name: 'POST /v1/listen raw audio', upload: { path: '/v1/listen', type: 'audio/wav' }, assert413: assertDeepgram413 },
  { name: 'POST /v1/listen octet-stream', upload: { path: '/v1/listen', type: 'application/octet-stream' }, assert413: assertDeepgram413 },
  { name: 'POST /v1/listen JSON', upload: { path: '/v1/listen', type: 'application/json', head: Buffer.from('{"url": "https://example.com/') }, assert413: assertDeepgram413 },
  {
    name: 'POST /v1/audio/transcriptions multipart (file part)',
    upload: { path: '/v1/audio/transcriptions', type: `multipart/form-data; boundary=${BOUNDARY}`, head: FORM_HEAD },
    assert413: assertOpenAi413
  }
]

async function assertStillServing (app: TestApp, key: string): Promise<void> {
  const listen = await app.fetch('/v1/listen', { method: 'POST', headers: { authorization: `Token ${key}`, 'content-type': 'audio/wav' }, body: wav(testAudio(1)) })
  assert.equal(listen.status, 200, await listen.text())
  const form = new FormData()
  form.append('model', 'whisper-1')
  form.append('file', new Blob([wav(testAudio(1))], { type: 'audio/wav' }), 'a.wav')
  const openai = await app.fetch('/v1/audio/transcriptions', { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form })
  assert.equal(openai.status, 200, await openai.text())
  assert.ok(!app.logs.some((l) => /"level":(50|60)/.test(l)), 'no refusal is logged as a server error')
}

test('a Content-Length over BODY_LIMIT is refused before any of the body is read, and the connection closed', { timeout: 120_000 }, async (t) => {
  const app = await build(t, { ...TONES, BODY_LIMIT: String(BODY_LIMIT) })
  const key = await app.createKey()
  for (const { name, upload, assert413 } of uploads) {
    await t.test(name, async (t) => {
      const outcome = await oversizeUpload(app, key, { ...upload, chunked: false })
      t.diagnostic(`client sent ${outcome.flushed} bytes, server read ${outcome.serverRead}, closed by ${outcome.closedBy}`)
      assert.ok(outcome.flushed < IN_FLIGHT, `the client sent ${outcome.flushed} of ${ANNOUNCED} bytes`)
      // refused from the header: what the server read is what had arrived by then, less than the limit itself
      assert.ok(outcome.serverRead < BODY_LIMIT, `the server read ${outcome.serverRead} bytes`)
      assert413(outcome.response)
      assert.notEqual(outcome.closedBy, 'open', 'the server closed the connection after its answer')
    })
  }

  await t.test('any answer given before the body is in (a bad key\'s 401) closes the connection the same way', async (t) => {
    const outcome = await oversizeUpload(app, 'not-a-key', { path: '/v1/listen', type: 'audio/wav', chunked: false })
    t.diagnostic(`client sent ${outcome.flushed} bytes, server read ${outcome.serverRead}, closed by ${outcome.closedBy}`)
    assert.ok(outcome.flushed < IN_FLIGHT, `the client sent ${outcome.flushed} of ${ANNOUNCED} bytes`)
    assert.ok(outcome.serverRead < BODY_LIMIT, `the server read ${outcome.serverRead} bytes`)
    assert.equal(outcome.response.status, 401)
    assert.equal(outcome.response.body.err_code, 'INVALID_AUTH')
    assert.equal(outcome.response.headers.connection, 'close')
    assert.notEqual(outcome.closedBy, 'open', 'the server closed the connection after its answer')
  })
  await assertStillServing(app, key)
})

test('a chunked body is refused at BODY_LIMIT, the rest is not read, and the connection closed', { timeout: 120_000 }, async (t) => {
  const app = await build(t, { ...TONES, BODY_LIMIT: String(BODY_LIMIT) })
  const key = await app.createKey()
  for (const { name, upload, assert413 } of uploads) {
    await t.test(name, async (t) => {
      const outcome = await oversizeUpload(app, key, { ...upload, chunked: true })
      t.diagnostic(`client sent ${outcome.flushed} bytes, server read ${outcome.serverRead}, closed by ${outcome.closedBy}`)
      assert.ok(outcome.flushed < IN_FLIGHT, `the client sent ${outcome.flushed} of ${ANNOUNCED} bytes`)
      // counted up to the limit (a form's file part against BODY_LIMIT itself, not the form's margin), no further
      assert.ok(outcome.serverRead > BODY_LIMIT, `the server read ${outcome.serverRead} bytes`)
      assert.ok(outcome.serverRead < BODY_LIMIT + SLACK, `the server read ${outcome.serverRead} bytes`)
      assert413(outcome.response)
      assert.notEqual(outcome.closedBy, 'open', 'the server closed the connection after its answer')
    })
  }

  await t.test('POST /v1/audio/transcriptions multipart with no file part (the form as a whole)', async (t) => {
    // bytes before the first boundary are no part at all: only the count of the whole form stops them
    const outcome = await oversizeUpload(app, key, { path: '/v1/audio/transcriptions', type: `multipart/form-data; boundary=${BOUNDARY}`, chunked: true })
    t.diagnostic(`client sent ${outcome.flushed} bytes, server read ${outcome.serverRead}, closed by ${outcome.closedBy}`)
    assert.ok(outcome.flushed < IN_FLIGHT, `the client sent ${outcome.flushed} of ${ANNOUNCED} bytes`)
    assert.ok(outcome.serverRead > BODY_LIMIT + FORM_FIELDS_ROOM, `the server read ${outcome.serverRead} bytes`)
    assert.ok(outcome.serverRead < BODY_LIMIT + FORM_FIELDS_ROOM + SLACK, `the server read ${outcome.serverRead} bytes`)
    assertOpenAi413(outcome.response)
    assert.notEqual(outcome.closedBy, 'open', 'the server closed the connection after its answer')
  })

  await assertStillServing(app, key)
})
