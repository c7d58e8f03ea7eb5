// The request plan is settled before any expensive work: no download, no decode for a request that cannot run.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { once } from 'node:events'
import { build } from '../helpers/build.ts'
import { assertListenV1Response } from '../helpers/deepgram-schema.ts'

const wav = readFileSync(new URL('../fixtures/audio/jfk-16k-s16.wav', import.meta.url))

test('an unknown model with a {"url"} body is a 400 before the URL is contacted', async (t) => {
  let hits = 0
  const origin = createServer((_req, res) => { hits++; res.writeHead(200, { 'content-type': 'audio/wav' }).end(wav) })
  origin.listen(0, '127.0.0.1')
  await once(origin, 'listening')
  t.after(() => origin.close())
  const url = `http://127.0.0.1:${(origin.address() as { port: number }).port}/a.wav`
  const app = await build(t, { ALLOW_PRIVATE_URLS: 'true' })
  const key = await app.createKey()
  const post = (query: string) => app.fetch(`/v1/listen${query}`, {
    method: 'POST', headers: { authorization: `Token ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ url })
  })
  for (const query of ['?model=no-such-model', '?language=klingon', '?model=whisper-large']) {
    const res = await post(query)
    assert.equal(res.status, 400, query)
    const body = await res.json() as { err_msg: string }
    assert.match(body.err_msg, /Unknown model 'no-such-model'\. Installed models: .*small-test.*\. Aliases \(MODEL_ALIASES\): .*nova-3|Unsupported language 'klingon'|alias of 'large-v3'/)
  }
  assert.equal(hits, 0, 'the audio URL was never fetched')
  const ok = await post('?model=nova-3')
  assert.equal(ok.status, 200)
  assert.equal(hits, 1)
})

test('an unknown model with a large body is a 400 before the audio is decoded', async (t) => {
  const app = await build(t, { MAX_AUDIO_SECONDS: '1' })
  const key = await app.createKey()
  const post = (body: Buffer, query: string) => app.fetch(`/v1/listen${query}`, {
    method: 'POST', headers: { authorization: `Token ${key}`, 'content-type': 'audio/wav' }, body
  })
  const garbage = Buffer.alloc(4 * 1024 * 1024, 7) // would be "failed to process audio" once decoded
  const tooLong = wav // 2 s: would be 413 once decoded (MAX_AUDIO_SECONDS=1)
  for (const body of [garbage, tooLong]) {
    const res = await post(body, '?model=large-v9')
    assert.equal(res.status, 400)
    assert.match((await res.json() as { err_msg: string }).err_msg, /^Unknown model 'large-v9'/)
  }
  assert.equal((await post(garbage, '')).status, 400)
  assert.equal((await post(tooLong, '')).status, 413)
})

test('Deepgram model names run DEFAULT_MODEL and metadata.model_info names it; version is accepted', async (t) => {
  const app = await build(t)
  const key = await app.createKey()
  for (const query of ['?model=nova-3', '?model=nova-2-meeting&version=latest', '?model=enhanced', '?model=base', '?model=whisper-1']) {
    const res = await app.fetch(`/v1/listen${query}`, { method: 'POST', headers: { authorization: `Token ${key}`, 'content-type': 'audio/wav' }, body: wav })
    assert.equal(res.status, 200, query)
    const body = await res.json() as { metadata: { models: string[], model_info: Record<string, { name: string }>, warnings?: unknown[] } }
    assertListenV1Response(body)
    assert.equal(body.metadata.model_info[body.metadata.models[0] as string]?.name, 'small-test', query)
    assert.equal(body.metadata.warnings, undefined, `${query}: ${JSON.stringify(body.metadata.warnings)}`)
  }
})

test('text parameters reach the shared formatter: search hits, replace, punctuate=false; unsupported ones warn', async (t) => {
  const app = await build(t)
  const key = await app.createKey()
  const res = await app.fetch('/v1/listen?search=hello&replace=hello:howdy&punctuate=false&smart_format=true&filler_words=true&sentiment=true&extra=team:ci&mip_opt_out=true', {
    method: 'POST', headers: { authorization: `Token ${key}`, 'content-type': 'audio/wav' }, body: wav
  })
  assert.equal(res.status, 200)
  const body = await res.json() as {
    metadata: { extra?: Record<string, string>, warnings?: Array<{ parameter: string }> }
    results: { channels: Array<{ search?: Array<{ query: string, hits: unknown[] }>, alternatives: Array<{ transcript: string }> }> }
  }
  assertListenV1Response(body)
  const channel = body.results.channels[0]
  assert.equal(channel?.search?.[0]?.query, 'hello')
  assert.ok((channel?.search?.[0]?.hits.length ?? 0) > 0, 'the test model says "hello"')
  assert.match(channel?.alternatives[0]?.transcript ?? '', /^howdy/)
  assert.deepEqual(body.metadata.extra, { team: 'ci' })
  assert.deepEqual(body.metadata.warnings?.map((w) => w.parameter).sort(), ['filler_words', 'sentiment'])
})
