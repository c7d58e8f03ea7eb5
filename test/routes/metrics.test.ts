import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { build } from '../helpers/build.ts'
import { startReceiver } from '../helpers/callback-receiver.ts'
import { scrape } from '../helpers/prometheus.ts'
import { fixture, jfkSpeech16k, silence16k } from '../helpers/live-audio.ts'
import { connect } from '../helpers/deepgram-live-client.ts'

const MODEL = 'small-test'

test('/metrics counts real requests by route pattern and status, decodes per model, and live sessions', async (t) => {
  const app = await build(t)
  await app.app.engine.ready()
  const key = await app.createKey()
  const before = await scrape(app.fetch)
  assert.equal(before.value('earshot_models_loaded'), 1)
  assert.equal(before.value('earshot_live_sessions'), 0)

  // a transcription
  const res = await app.fetch('/v1/listen', { method: 'POST', headers: { authorization: `Token ${key}`, 'content-type': 'audio/wav' }, body: fixture('jfk-16k-s16.wav') })
  assert.equal(res.status, 200)
  const duration = (await res.json() as { metadata: { duration: number } }).metadata.duration
  // a refused key, and an unknown path whose query carries the real key
  assert.equal((await app.fetch('/v1/listen', { method: 'POST', headers: { authorization: 'Token not-a-key', 'content-type': 'audio/wav' }, body: 'x' })).status, 401)
  assert.equal((await app.fetch(`/no/such/path?token=${key}`)).status, 404)

  const after = await scrape(app.fetch)
  const requests = (route: string, status: string, method = 'POST'): number =>
    after.value('earshot_http_requests_total', { method, route, status_code: status }) -
    before.value('earshot_http_requests_total', { method, route, status_code: status })
  assert.equal(requests('/v1/listen', '200'), 1)
  assert.equal(requests('/v1/listen', '401'), 1)
  assert.equal(requests('unmatched', '404', 'GET'), 1)
  assert.equal(requests('/metrics', '200', 'GET'), 1, 'the first scrape is counted by the second')
  const okDuration = after.histogram('earshot_http_request_duration_seconds', { method: 'POST', route: '/v1/listen', status_code: '200' })
  assert.equal(okDuration.count, 1)
  assert.ok(okDuration.sum > 0)
  assert.equal(after.type('earshot_http_request_duration_seconds'), 'histogram')

  // the decode behind the transcription: one job through the queue, its audio seconds and real-time factor
  const decodes = after.histogram('earshot_decode_seconds', { model: MODEL })
  assert.ok(decodes.count >= 1, 'at least one decode')
  assert.equal(decodes.count - before.histogram('earshot_decode_seconds', { model: MODEL }).count, decodes.count, 'no decode before the request')
  assert.equal(after.histogram('earshot_queue_wait_seconds', { priority: 'normal' }).count, decodes.count)
  const audio = after.value('earshot_decoded_audio_seconds_total', { model: MODEL })
  assert.ok(Math.abs(audio - duration) < 0.05, `decoded ${audio} s of a ${duration} s file`)
  const rtf = after.histogram('earshot_real_time_factor', { model: MODEL })
  assert.equal(rtf.count, decodes.count)
  if (decodes.count === 1) assert.ok(Math.abs(rtf.sum - decodes.sum / audio) < 1e-6, 'RTF = decode seconds / audio seconds')
  assert.equal(after.value('earshot_queue_waiting'), 0)
  assert.equal(after.value('earshot_queue_running'), 0)

  // a live session shows while it is open and is gone after it closes
  const client = await connect(app, '?encoding=linear16&sample_rate=16000', { headers: { authorization: `Token ${key}` } })
  await client.sendAudio(Buffer.concat([jfkSpeech16k(), silence16k(1.5)]))
  await client.until(() => client.finals().length > 0)
  const during = await scrape(app.fetch)
  assert.equal(during.value('earshot_live_sessions'), 1)
  assert.ok(during.histogram('earshot_queue_wait_seconds', { priority: 'high' }).count >= 1, 'live finals queue at high priority')
  // the server side of the socket: its close listeners run in order, so once ours has run the route's has too
  const [serverSocket] = [...app.app.websocketServer.clients]
  assert.ok(serverSocket !== undefined)
  const serverClosed = once(serverSocket, 'close')
  client.sendJson({ type: 'CloseStream' })
  assert.equal((await client.closed).code, 1000)
  await serverClosed
  const closed = await scrape(app.fetch)
  assert.equal(closed.value('earshot_live_sessions'), 0)
  assert.equal(closed.value('earshot_live_sessions_opened_total') - before.value('earshot_live_sessions_opened_total'), 1)

  // nothing a client sent becomes part of the exposition: no key, no raw URL
  for (const text of [after.text, during.text, closed.text]) {
    assert.ok(!text.includes(key), 'the key never appears')
    assert.ok(!text.includes('/no/such/path'), 'unmatched URLs are not labels')
  }
  // process defaults are there
  assert.ok(closed.value('process_cpu_user_seconds_total') > 0)
  assert.equal(closed.type('nodejs_eventloop_lag_seconds'), 'gauge')
})

test('jobs by state come from the server\'s own job queue', async (t) => {
  const app = await build(t, { ALLOW_PRIVATE_URLS: 'true' })
  const key = await app.createKey()
  const zero = await scrape(app.fetch)
  assert.deepEqual(zero.series('earshot_jobs').map((m) => [m.labels.state, m.value]),
    [['queued', 0], ['running', 0], ['done', 0], ['failed', 0]])
  const receiver = await startReceiver(t)
  const res = await app.fetch(`/v1/listen?callback=${encodeURIComponent(receiver.url)}`, {
    method: 'POST', headers: { authorization: `Token ${key}`, 'content-type': 'audio/wav' }, body: fixture('jfk-16k-s16.wav')
  })
  assert.equal(res.status, 200)
  await receiver.waitFor(1)
  // Delivered: the job is past the queue, counted running until its handler returns and done from then on.
  await app.waitForLog(/callback delivered/)
  const after = await scrape(app.fetch)
  assert.equal(after.value('earshot_jobs', { state: 'queued' }), 0)
  assert.equal(after.value('earshot_jobs', { state: 'done' }) + after.value('earshot_jobs', { state: 'running' }), 1)
  assert.equal(after.value('earshot_jobs', { state: 'failed' }), 0)
})

test('METRICS_TOKEN guards /metrics with a bearer token; METRICS=false removes it', async (t) => {
  const token = 'scrape-secret-0123456789'
  const guarded = await build(t, { METRICS_TOKEN: token })
  const refused = await guarded.fetch('/metrics')
  assert.equal(refused.status, 401)
  assert.equal((await refused.json() as { err_code: string }).err_code, 'INVALID_AUTH')
  assert.equal((await guarded.fetch('/metrics', { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status, 401)
  const ok = await scrape(guarded.fetch, { headers: { authorization: `Bearer ${token}` } })
  assert.ok(!ok.text.includes(token))
  assert.ok(!guarded.logs.some((l) => l.includes(token)), 'the token never reaches a log')

  const off = await build(t, { METRICS: 'false' })
  assert.equal((await off.fetch('/metrics')).status, 404)
})
