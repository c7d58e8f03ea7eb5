import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { DeepgramClient } from '@deepgram/sdk'
import { build, type TestApp } from '../helpers/build.ts'
import { startReceiver } from '../helpers/callback-receiver.ts'
import { assertListenV1Response } from '../helpers/deepgram-schema.ts'
import { fullyDecoded } from '../helpers/spellings.ts'

const jfk = readFileSync(new URL('../fixtures/audio/jfk-16k-s16.wav', import.meta.url))
// the receiver listens on loopback, which the callback guard refuses unless private addresses are allowed
const PRIVATE_OK = { ALLOW_PRIVATE_URLS: 'true', CALLBACK_RETRY_DELAY_MS: '20' }

async function submit (app: TestApp, key: string, query: string, body: Buffer | string = jfk, type = 'audio/wav') {
  return app.fetch(`/v1/listen?${query}`, { method: 'POST', headers: { authorization: `Token ${key}`, 'content-type': type }, body })
}

interface Metadata { request_id: string, tags?: string[] }

test('a callback request answers {request_id} at once and the receiver gets one POST with the transcript', async (t) => {
  const app = await build(t, PRIVATE_OK)
  const receiver = await startReceiver(t)
  const key = await app.createKey()
  const res = await submit(app, key, `callback=${encodeURIComponent(receiver.url)}&tag=async`)
  assert.equal(res.status, 200)
  const accepted = await res.json() as { request_id: string }
  assert.deepEqual(Object.keys(accepted), ['request_id'])
  assert.match(accepted.request_id, /^[0-9a-f-]{36}$/)
  assert.equal(res.headers.get('dg-request-id'), accepted.request_id)

  const [delivery] = await receiver.waitFor(1)
  assert.ok(delivery !== undefined)
  assert.equal(delivery.method, 'POST')
  assert.equal(delivery.headers['dg-request-id'], accepted.request_id)
  assert.match(String(delivery.headers['content-type']), /^application\/json/)
  assertListenV1Response(delivery.body)
  const metadata = delivery.body.metadata as Metadata
  assert.equal(metadata.request_id, accepted.request_id)
  assert.deepEqual(metadata.tags, ['async'])
  const channels = (delivery.body.results as { channels: Array<{ alternatives: Array<{ transcript: string }> }> }).channels
  assert.ok((channels[0]?.alternatives[0]?.transcript ?? '') !== '', 'the scripted model always says its phrase')

  await app.waitForLog(new RegExp(`"request_id":"${accepted.request_id}".*"msg":"callback delivered"`))
  assert.equal(receiver.received.length, 1)
})

test('callback_method=put delivers with PUT; audio at a URL is fetched at submit', async (t) => {
  const app = await build(t, PRIVATE_OK)
  const receiver = await startReceiver(t)
  receiver.serve('/jfk.wav', jfk, 'audio/wav')
  const key = await app.createKey()
  const res = await submit(app, key, `callback=${encodeURIComponent(receiver.url)}&callback_method=put`,
    JSON.stringify({ url: receiver.url.replace('/hook', '/jfk.wav') }), 'application/json')
  assert.equal(res.status, 200, await res.clone().text())
  const { request_id: id } = await res.json() as { request_id: string }
  const [delivery] = await receiver.waitFor(1)
  assert.equal(delivery?.method, 'PUT')
  assert.equal((delivery?.body.metadata as Metadata).request_id, id)
})

test('a callback URL\'s credentials and signature reach the receiver but no log line, in any spelling', async (t) => {
  const app = await build(t, PRIVATE_OK)
  const receiver = await startReceiver(t)
  receiver.failFirst(1) // a failed attempt is logged as well
  const key = await app.createKey()
  const [user, pass, sig] = ['hook-user', 'Pa55w0rd-secret', 'SigSecret-123']
  const hook = new URL(receiver.url)
  hook.username = user
  hook.password = pass
  hook.search = `?sig=${sig}`
  const ids: string[] = []
  for (const query of [`callback=${encodeURIComponent(hook.href)}&tag=a`, `callback=${hook.href}`]) {
    const res = await submit(app, key, query)
    assert.equal(res.status, 200, await res.clone().text())
    const { request_id: id } = await res.json() as { request_id: string }
    ids.push(id)
    await app.waitForLog(new RegExp(`"request_id":"${id}".*"msg":"callback delivered"`))
  }
  assert.equal(receiver.received.length, 3)
  for (const delivery of receiver.received) {
    assert.equal(delivery.path, `/hook?sig=${sig}`)
    assert.equal(delivery.headers.authorization, `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`)
  }
  assert.ok(app.logs.some((l) => l.includes('callback delivery failed')))
  const logged = app.logs.join('\n')
  for (const secret of [user, pass, sig]) assert.ok(!fullyDecoded(logged).includes(secret), secret)
  assert.ok(!logged.includes(Buffer.from(`${user}:${pass}`).toString('base64')))
  const shown = `callback=http://[REDACTED]@${hook.host}/hook?sig=[REDACTED]`
  assert.equal(app.logs.filter((l) => l.includes('"msg":"incoming request"') && l.includes(shown)).length, 2, 'both request lines show the hook')
})

test('a receiver failing twice gets the job on the third attempt, the same request id each time', async (t) => {
  const app = await build(t, PRIVATE_OK)
  const receiver = await startReceiver(t)
  receiver.failFirst(2)
  const key = await app.createKey()
  const res = await submit(app, key, `callback=${encodeURIComponent(receiver.url)}`)
  const { request_id: id } = await res.json() as { request_id: string }
  const attempts = await receiver.waitFor(3)
  assert.deepEqual(attempts.map((a) => a.status), [500, 500, 200])
  for (const a of attempts) {
    assert.equal(a.headers['dg-request-id'], id)
    assert.equal((a.body.metadata as Metadata).request_id, id)
  }
  const delivered = JSON.parse(await app.waitForLog(/"msg":"callback delivered"/)) as { attempt: number, request_id: string }
  assert.equal(delivered.attempt, 3)
  assert.equal(delivered.request_id, id)
  assert.equal(receiver.received.length, 3)
})

test('delivery gives up after CALLBACK_ATTEMPTS and the job counts as failed', async (t) => {
  const app = await build(t, { ...PRIVATE_OK, CALLBACK_ATTEMPTS: '2' })
  const receiver = await startReceiver(t)
  receiver.failFirst(10)
  const key = await app.createKey()
  await submit(app, key, `callback=${encodeURIComponent(receiver.url)}`)
  await app.waitForLog(/"msg":"callback job lost"/)
  assert.equal(receiver.received.length, 2)
  assert.equal((await app.app.jobs.counts()).failed, 1)
})

test('audio that cannot be decoded delivers a Deepgram error body with the request id', async (t) => {
  const app = await build(t, PRIVATE_OK)
  const receiver = await startReceiver(t)
  const key = await app.createKey()
  const res = await submit(app, key, `callback=${encodeURIComponent(receiver.url)}`, Buffer.from('this is not audio at all'), 'audio/wav')
  assert.equal(res.status, 200)
  const { request_id: id } = await res.json() as { request_id: string }
  const [delivery] = await receiver.waitFor(1)
  assert.equal(delivery?.body.err_code, 'Bad Request')
  assert.match(String(delivery?.body.err_msg), /failed to process audio/)
  assert.equal(delivery?.body.request_id, id)
  assert.equal(delivery?.headers['dg-request-id'], id)
})

test('bad input with a callback is still refused at once, in Deepgram\'s shape', async (t) => {
  const app = await build(t, PRIVATE_OK)
  const key = await app.createKey()
  for (const [query, pattern] of [
    ['callback=not-a-url', /callback URL is not a valid URL/],
    ['callback=ftp%3A%2F%2Fexample.com%2Fhook', /only http and https/],
    ['callback=http%3A%2F%2Fexample.com%2Fhook&model=no-such-model', /no-such-model/],
    ['callback=http%3A%2F%2Fexample.com%2Fhook&callback_method=get', /callback_method/]
  ] as const) {
    const res = await submit(app, key, query)
    assert.equal(res.status, 400, query)
    const body = await res.json() as { err_code: string, err_msg: string, request_id: string }
    assert.match(body.err_msg, pattern, query)
    assert.equal(body.request_id, res.headers.get('dg-request-id'))
  }
})

test('a private callback address is refused without ALLOW_PRIVATE_URLS', async (t) => {
  const app = await build(t)
  const key = await app.createKey()
  for (const hook of ['http://127.0.0.1:9/hook', 'http://[::1]:9/hook', 'http://169.254.169.254/latest', 'http://10.1.2.3/x']) {
    const res = await submit(app, key, `callback=${encodeURIComponent(hook)}`)
    assert.equal(res.status, 400, hook)
    const body = await res.json() as { err_code: string, err_msg: string }
    assert.equal(body.err_code, 'Bad Request')
    assert.match(body.err_msg, /Refusing the callback URL: .* private, loopback or reserved address/, hook)
  }
  assert.deepEqual(await app.app.jobs.counts(), { queued: 0, active: 0, completed: 0, failed: 0 })
})

test('ENGINE=off without DATABASE_URL: ready without a model, synchronous requests 503, callbacks 503 (nothing could run them)', async (t) => {
  const app = await build(t, { ...PRIVATE_OK, ENGINE: 'off' })
  const health = await app.fetch('/health')
  assert.equal(health.status, 200, await health.clone().text())
  const key = await app.createKey()
  const sync = await submit(app, key, '')
  assert.equal(sync.status, 503)
  const body = await sync.json() as { err_code: string, err_msg: string, request_id: string }
  assert.equal(body.err_code, 'ENGINE_OFF')
  assert.equal(body.request_id, sync.headers.get('dg-request-id'))
  const queued = await submit(app, key, 'callback=http%3A%2F%2F127.0.0.1%3A9%2Fhook')
  assert.equal(queued.status, 503)
  assert.equal((await queued.json() as { err_code: string }).err_code, 'JOBS_UNAVAILABLE')
  // a synchronous request is refused at admission, before its query is even planned; a callback request's bad
  // input is still a 400 before anything is queued
  assert.equal((await (await submit(app, key, 'model=no-such-model')).json() as { err_code: string }).err_code, 'ENGINE_OFF')
  assert.equal((await submit(app, key, 'model=no-such-model&callback=http%3A%2F%2F127.0.0.1%3A9%2Fhook')).status, 400)
  assert.equal(app.app.engine.stats().loadedModels.length, 0)
})

test('the unmodified Deepgram JS SDK submits with callback and gets the request id the delivery carries', async (t) => {
  const app = await build(t, PRIVATE_OK)
  const receiver = await startReceiver(t)
  const client = new DeepgramClient({ apiKey: await app.createKey(), baseUrl: app.url })
  const accepted = await client.listen.v1.media.transcribeFile(jfk, { callback: receiver.url, callback_method: 'PUT' })
  assert.ok('request_id' in accepted && !('results' in accepted), JSON.stringify(accepted))
  const [delivery] = await receiver.waitFor(1)
  assert.equal(delivery?.method, 'PUT')
  assert.equal((delivery?.body.metadata as Metadata).request_id, accepted.request_id)
})
