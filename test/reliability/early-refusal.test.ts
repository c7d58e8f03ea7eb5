// A full engine queue refuses transcription requests before they cost anything: 503 SERVER_BUSY + Retry-After,
// in each protocol's error shape, before the body is read or a URL fetched. Callback jobs are still queued.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { request, type IncomingMessage } from 'node:http'
import { join } from 'node:path'
import { build, tempDir, type TestApp } from '../helpers/build.ts'
import { startReceiver } from '../helpers/callback-receiver.ts'
import { serveModelFile } from '../helpers/mirror.ts'
import { testAudio } from '../helpers/models.ts'
import { wav } from '../helpers/openai.ts'
import { refusal } from '../helpers/deepgram-live-client.ts'

interface Answer { status: number, headers: IncomingMessage['headers'], body: any }

/**
 * Starts a POST that announces `length` bytes and sends only `head` of them: resolves with the server's answer,
 * which can only come before the body is complete, since the rest is never sent.
 */
async function unfinishedUpload (app: TestApp, path: string, headers: Record<string, string>, head: Buffer, length: number): Promise<Answer> {
  const { port } = new URL(app.url)
  const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, 'content-length': String(length) } })
  req.on('error', () => {}) // the connection is dropped once answered
  req.write(head)
  const [res] = await once(req, 'response') as [IncomingMessage]
  let text = ''
  for await (const chunk of res) text += String(chunk)
  req.destroy()
  return { status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }
}

test('with the engine queue full, REST transcriptions get 503 SERVER_BUSY before their body is read or URL fetched', { timeout: 120_000 }, async (t) => {
  // One decoder and no waiting room: the queue is full exactly while one decode runs.
  const app = await build(t, { ENGINE_CONCURRENCY: '1', QUEUE_MAX: '0', ALLOW_PRIVATE_URLS: 'true' }, 'tiny.en')
  const key = await app.createKey()
  await app.app.engine.ready()
  const auth = { authorization: `Token ${key}` }
  const short = wav(testAudio(2))
  const shortFile = join(tempDir(t), 'audio.wav')
  writeFileSync(shortFile, short)
  const origin = await serveModelFile(t, shortFile, '/audio.wav') // records every request it gets

  // The hold: ten minutes of audio, every 30 s window at full encoder context, far longer than this test needs.
  // Its start is an engine event; it is cancelled at the end by hanging up.
  const started = new Promise<void>((resolve) => {
    const stop = app.app.engine.observe({ jobStarted: () => { stop(); resolve() } })
  })
  const hold = new AbortController()
  const held = app.fetch('/v1/listen?vad=false&audio_ctx=0', {
    method: 'POST', headers: { ...auth, 'content-type': 'audio/wav' }, body: wav(testAudio(600)), signal: hold.signal
  }).then((res) => `answered ${res.status}`, () => 'cancelled')
  await started
  assert.ok(app.app.engine.admission() !== undefined, 'the running decode fills the queue')

  // Deepgram upload: answered while 999 000 of its bytes are still unsent.
  const deepgram = await unfinishedUpload(app, '/v1/listen', { ...auth, 'content-type': 'audio/wav' }, short.subarray(0, 1000), 1_000_000)
  assert.equal(deepgram.status, 503)
  assert.ok(Number(deepgram.headers['retry-after']) >= 1, 'Retry-After')
  assert.equal(deepgram.body.err_code, 'SERVER_BUSY')
  assert.equal(deepgram.body.request_id, deepgram.headers['dg-request-id'])
  assert.equal(deepgram.body.retry_after, Number(deepgram.headers['retry-after']))

  // Deepgram URL source: the origin is never asked.
  const byUrl = await app.fetch('/v1/listen', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ url: `${origin.url}/audio.wav` }) })
  assert.equal(byUrl.status, 503)
  assert.equal((await byUrl.json() as { err_code: string }).err_code, 'SERVER_BUSY')
  assert.deepEqual(origin.requests, [], 'the URL was not fetched')

  // OpenAI upload (multipart): answered before the form is complete, in OpenAI's shape.
  for (const path of ['/v1/audio/transcriptions', '/v1/audio/translations']) {
    const boundary = 'earshot-boundary'
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n`)
    const openai = await unfinishedUpload(app, path, { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}` }, Buffer.concat([head, short.subarray(0, 1000)]), 1_000_000)
    assert.equal(openai.status, 503, path)
    assert.ok(Number(openai.headers['retry-after']) >= 1, `${path}: Retry-After`)
    assert.deepEqual(openai.body, { error: { message: 'The transcription queue is full. Retry later.', type: 'server_error', param: null, code: 'server_busy' } }, path)
  }

  // Authentication still comes first: a bad key is a 401, not a 503.
  const noKey = await app.fetch('/v1/listen', { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: short })
  assert.equal(noKey.status, 401)

  // A callback request is not refused here: it waits in the job queue, not the engine's.
  const receiver = await startReceiver(t)
  const queued = await app.fetch(`/v1/listen?callback=${encodeURIComponent(receiver.url)}`, { method: 'POST', headers: { ...auth, 'content-type': 'audio/wav' }, body: short })
  assert.equal(queued.status, 200, await queued.clone().text())
  assert.ok(typeof (await queued.json() as { request_id: unknown }).request_id === 'string')

  // A live session is refused before the upgrade, in Deepgram's shape.
  const live = await refusal(app, '?encoding=linear16&sample_rate=16000', { headers: auth })
  assert.equal(live.status, 503)
  assert.equal(live.body.err_code, 'SERVER_BUSY')
  assert.ok(Number(live.headers['retry-after']) >= 1, 'live: Retry-After')

  // Every refusal above came while the hold was still decoding.
  hold.abort()
  assert.equal(await held, 'cancelled')
  await receiver.waitFor(1)
})
