// test:serial — 50 live senders, then REST must answer within 2 s.
// Issue #18's probe: fast live senders that hang up without a close frame must stop costing anything at once,
// so one client cannot lock everyone else out of REST while the server decodes audio nobody will read.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import WebSocket from 'ws'
import { build } from '../helpers/build.ts'
import { eventually, within } from '../helpers/eventually.ts'
import { fixture, jfkSpeech16k, silence16k } from '../helpers/live-audio.ts'
import { connect } from '../helpers/deepgram-live-client.ts'

const SENDERS = 50
const WAV = fixture('jfk-16k-s16.wav')
/** Speech and a pause to end it, over and over: every 2.4 s of audio closes an utterance whose final queues. */
const LOOP = Buffer.concat([jfkSpeech16k(), silence16k(0.4)])

test('50 fast live senders dropped without a close frame: REST answers 200 within 2 s, no queue, no session left', { timeout: 180_000 }, async (t) => {
  const app = await build(t, { ENGINE_CONCURRENCY: '1', QUEUE_MAX: '16', RATE_LIMIT_MAX: '100000' })
  const key = await app.createKey()
  await app.app.engine.ready()
  const headers = { authorization: `Token ${key}` }
  const serverSockets: Array<Promise<unknown>> = []
  app.app.websocketServer.on('connection', (socket: WebSocket) => { serverSockets.push(once(socket, 'close')) })

  const clients = await Promise.all(Array.from({ length: SENDERS }, async () =>
    await connect(app, '?encoding=linear16&sample_rate=16000&interim_results=true&model=small-test', { headers })))
  for (const client of clients) {
    client.ws.on('error', () => {}) // the terminate below
    client.sendFast(LOOP) // 0.5 s frames, many times real time: only TCP paces it
  }
  // The probe's state: the engine queue full of the senders' finals, and sessions holding reading (TCP
  // backpressure), which is where a dropped client used to go unnoticed.
  const engine = app.app.engine
  await eventually('the queue fills and sessions pause', 60_000, () => {
    const paused = [...app.app.websocketServer.clients].filter((s) => s.isPaused).length
    return engine.stats().waiting >= engine.stats().maxWaiting && paused >= SENDERS / 5
  })

  const pausedAtDrop = [...app.app.websocketServer.clients].filter((s) => s.isPaused).length
  t.diagnostic(`at the drop: ${pausedAtDrop} sessions paused, queue ${JSON.stringify(engine.stats())}`)
  const droppedAt = performance.now()
  for (const client of clients) client.ws.terminate() // socket destroyed, no close frame
  await within('every session sees its client gone', 10_000, Promise.all(serverSockets))
  t.diagnostic(`every session closed ${Math.round(performance.now() - droppedAt)} ms after the drop`)
  const res = await app.fetch('/v1/listen', { method: 'POST', headers: { ...headers, 'content-type': 'audio/wav' }, body: WAV })
  const answeredMs = performance.now() - droppedAt
  t.diagnostic(`REST answered ${Math.round(answeredMs)} ms after the drop`)
  assert.equal(res.status, 200, await res.text())
  assert.ok(answeredMs < 2000, `REST answered ${Math.round(answeredMs)} ms after the drop`)

  await eventually('the engine queue empties', 5000, () => engine.stats().waiting === 0 && engine.stats().running === 0)
  // what /metrics reports as earshot_live_sessions
  const live = await app.app.metrics.registry.getSingleMetric('earshot_live_sessions')?.get()
  assert.equal(live?.values[0]?.value, 0)
  assert.ok(!app.logs.some((l) => /"level":(50|60)/.test(l)), 'a client hanging up is not a server error')
})
