// test:serial — bounds how soon the next request runs after a hang-up, against a full request.
// A client that hangs up during its decode frees the engine: the next request is not kept waiting for the dead
// one's decode. base.en at 1 thread, one decode at a time, full 30 s encoder window: one pass takes seconds.
// Bounds are ratios against a full request measured in the same test (other processes load these 2 cores).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { build } from '../helpers/build.ts'

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/audio/${name}`, import.meta.url))

test('POST /v1/listen: a client gone mid-decode stops its decode, the next request runs at once', async (t) => {
  const app = await build(t, { ENGINE_CONCURRENCY: '1', WHISPER_THREADS: '1', DEFAULT_AUDIO_CTX: '0' }, 'base.en')
  const key = await app.createKey()
  const long = fixture('jfk-full-16k-s16.wav') // 11 s: one full-window encoder pass
  const short = fixture('jfk-16k-s16.wav')
  const post = (body: Buffer, query = ''): Promise<Response> => app.fetch(`/v1/listen${query}`, {
    method: 'POST', headers: { authorization: `Token ${key}`, 'content-type': 'audio/wav' }, body
  })

  const t0 = performance.now()
  assert.equal((await post(long)).status, 200)
  const fullMs = performance.now() - t0

  // the same upload, from a client that hangs up 30 % into what a full request takes (inside the encoder)
  const { port } = new URL(app.url)
  const closed = app.waitForLog(/client closed the connection before the response/)
  const gone = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/listen', headers: { authorization: `Token ${key}`, 'content-type': 'audio/wav', 'content-length': long.length } })
    req.on('error', () => {}) // the hang-up below
    req.on('response', () => { reject(new Error('the request finished before the client left')) })
    req.end(long, () => {
      setTimeout(() => { req.destroy(); resolve(performance.now()) }, fullMs * 0.3)
    })
  })
  const next = await post(short, '?audio_ctx=auto')
  const nextMs = performance.now() - gone
  assert.equal(next.status, 200)
  // without cancellation inside the encoder the dead decode's remaining ~60 % of a pass would come first
  assert.ok(nextMs < fullMs * 0.4, `the next request took ${nextMs.toFixed(0)} ms after the hang-up; a full request ${fullMs.toFixed(0)} ms`)
  await closed
  assert.equal(app.app.engine.stats().running, 0)
})
