import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { once } from 'node:events'
import { DeepgramClient } from '@deepgram/sdk'
import { build } from '../helpers/build.ts'
import { assertListenV1Response } from '../helpers/deepgram-schema.ts'

const wav = readFileSync(new URL('../fixtures/audio/jfk-8k-s16.wav', import.meta.url))

/** A local origin serving the audio, a redirect to it, and a 404. */
async function audioOrigin (t: { after: (fn: () => void) => void }): Promise<string> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/jfk.wav') res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': wav.length }).end(wav)
    else if (req.url === '/moved') res.writeHead(302, { location: '/jfk.wav' }).end()
    else res.writeHead(404).end()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => server.close())
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

const post = (app: { fetch: (p: string, i?: RequestInit) => Promise<Response> }, key: string, body: unknown) =>
  app.fetch('/v1/listen', { method: 'POST', headers: { authorization: `Token ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })

test('{"url"} fetches the audio (redirects followed) when private addresses are allowed', async (t) => {
  const origin = await audioOrigin(t)
  const app = await build(t, { ALLOW_PRIVATE_URLS: 'true' })
  const key = await app.createKey()
  for (const path of ['/jfk.wav', '/moved']) {
    const res = await post(app, key, { url: `${origin}${path}` })
    assert.equal(res.status, 200, path)
    const body = await res.json() as { metadata: { duration: number } }
    assertListenV1Response(body)
    assert.ok(Math.abs(body.metadata.duration - 2) < 0.1)
  }
  const missing = await post(app, key, { url: `${origin}/nothing` })
  assert.equal(missing.status, 400)
  assert.match((await missing.json() as { err_msg: string }).err_msg, /404/)
})

test('by default a URL resolving to loopback or private space is refused with a 400 that says so', async (t) => {
  const origin = await audioOrigin(t)
  const app = await build(t)
  const key = await app.createKey()
  for (const url of [`${origin}/jfk.wav`, 'http://localhost:9/a.wav', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/a.wav', 'http://10.0.0.1/a.wav']) {
    const res = await post(app, key, { url })
    assert.equal(res.status, 400, url)
    assert.match((await res.json() as { err_msg: string }).err_msg, /private|loopback|link-local|not allowed|refused/i, url)
  }
  for (const url of ['ftp://example.com/a.wav', 'not a url', 'file:///etc/passwd']) {
    const res = await post(app, key, { url })
    assert.equal(res.status, 400, url)
  }
})

test('the unmodified Deepgram JS SDK transcribes a file and a URL against earshot', async (t) => {
  const origin = await audioOrigin(t)
  const app = await build(t, { ALLOW_PRIVATE_URLS: 'true' })
  const key = await app.createKey()
  const client = new DeepgramClient({ apiKey: key, baseUrl: app.url })

  const fromFile = await client.listen.v1.media.transcribeFile(wav, { punctuate: true, utterances: true })
  assertListenV1Response(fromFile)
  assert.ok('results' in fromFile && (fromFile.results.channels[0]?.alternatives?.[0]?.words?.length ?? 0) > 0)

  const fromUrl = await client.listen.v1.media.transcribeUrl({ url: `${origin}/jfk.wav` })
  assertListenV1Response(fromUrl)
  assert.ok('metadata' in fromUrl && Math.abs(fromUrl.metadata.duration - 2) < 0.1)

  const refused = new DeepgramClient({ apiKey: 'f'.repeat(64), baseUrl: app.url })
  await assert.rejects(refused.listen.v1.media.transcribeFile(wav, {}), (err: { statusCode?: number }) => err.statusCode === 401)
})
