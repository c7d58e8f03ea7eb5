// The live core on its own, driven as any live protocol would drive it: commands in, a plain consumer recording its
// events (no Deepgram message anywhere), so Flux, Realtime or Wyoming can stand on it. The ordering and ending
// guarantees checked here are the ones docs/architecture.md ("The live core") promises.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import type { LiveEndedEvent, LiveEvent, LiveProtocol } from '../../src/live/events.ts'
import { LiveSession, type LiveSessionOptions } from '../../src/live/session.ts'
import { DEFAULT_LIVE_LIMITS, type LiveLimits } from '../../src/live/tuning.ts'
import { transcribe } from '../../src/transcription/transcribe.ts'
import { FlowRecorder } from '../helpers/flow-recorder.ts'
import { jfkSpeech16k, silence16k } from '../helpers/live-audio.ts'
import { testEngine, testVadOptions } from '../helpers/live-engine.ts'

const jfk = jfkSpeech16k()

/** What a protocol adapter would be, minus the protocol: every event kept, flow control noted. */
class EventLog extends FlowRecorder implements LiveProtocol {
  readonly events: LiveEvent[] = []

  event (event: LiveEvent): void {
    this.events.push(event)
    this.notify()
  }

  get types (): string[] { return this.events.map((e) => e.type) }
  get finals (): Array<Extract<LiveEvent, { type: 'final' }>> { return this.events.filter((e) => e.type === 'final') }
  get ended (): LiveEndedEvent | undefined { return this.events.find((e) => e.type === 'ended') }
}

async function start (t: TestContext, options: Partial<LiveSessionOptions> = {}, limits: Partial<LiveLimits> = {}, concurrency = 1) {
  const { engine, plan } = await testEngine(t, concurrency)
  const log = new EventLog()
  const session = new LiveSession(engine, {
    plan,
    format: { encoding: 'linear16', sampleRate: 16000 },
    interimResults: false,
    endpointingMs: 300,
    vad: testVadOptions(),
    limits: { ...DEFAULT_LIVE_LIMITS, ...limits },
    ...options
  }, log)
  /** 100 ms pieces, one event-loop turn apart, none while the core holds reading. */
  const send = async (bytes: Uint8Array): Promise<void> => {
    for (let off = 0; off < bytes.length; off += 3200) {
      await log.until(() => !log.paused)
      session.audio(bytes.subarray(off, off + 3200))
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  return { engine, plan, log, session, send }
}

test('a plain consumer: speech-started, one final per utterance at its endpoint, utterance-end after it, then ended', async (t) => {
  const { plan, log, session, send } = await start(t, { utteranceEndMs: 1000 })
  const stream = Buffer.concat([silence16k(0.5), jfk, silence16k(1.5), jfk, silence16k(1.5)])
  await send(stream)
  session.endOfStream()
  await session.closed

  const { events } = log
  const finals = log.finals
  assert.deepEqual(finals.map((f) => [f.utterance, f.reason, f.answersFlush]), [[1, 'endpoint', false], [2, 'endpoint', false]])
  for (const f of finals) {
    assert.ok(f.transcript.words.length > 0, 'the test model always says its phrase')
    assert.ok(f.transcript.words.every((w) => w.start >= f.start - 1e-3 && w.end <= f.end + 1e-3), 'word times are stream seconds')
    assert.equal(f.model.uuid, plan.model.uuid)
  }
  assert.ok(Math.abs((finals[1]?.start ?? 0) - 3.7) < 0.35, `the second utterance starts in stream time: ${finals[1]?.start}`)
  // order: each utterance's speech-started before its final, an utterance-end after each final, ended last
  const at = (type: string, n: number): number => events.findIndex((e) => e.type === type && (!('utterance' in e) || e.utterance === n))
  for (const n of [1, 2]) assert.ok(at('speech-started', n) < at('final', n), log.types.join())
  const ends = events.flatMap((e, i) => e.type === 'utterance-end' ? [i] : [])
  assert.equal(ends.length, 2, log.types.join())
  assert.ok(ends[0]! > at('final', 1) && ends[0]! < at('final', 2) && ends[1]! > at('final', 2), log.types.join())
  assert.equal(events.at(-1)?.type, 'ended')
  assert.equal(events.filter((e) => e.type === 'ended').length, 1)

  const ended = log.ended as LiveEndedEvent
  assert.equal(ended.reason, 'client')
  assert.equal(ended.drained, true)
  assert.equal(ended.error, undefined)
  assert.equal(ended.audioSeconds, stream.length / 32000)
  assert.equal(ended.sha256, createHash('sha256').update(stream).digest('hex'))
  assert.deepEqual(ended.models.map((m) => m.uuid), [plan.model.uuid])
})

test('flush: the open utterance closes with reason flush; with nothing to close, flush-empty answers at the stream time', async (t) => {
  const { log, session, send } = await start(t)
  await send(jfk.subarray(0, 1.5 * 32000))
  session.flush()
  await log.until(() => log.finals.length === 1)
  const [flushed] = log.finals
  assert.deepEqual([flushed?.reason, flushed?.answersFlush, flushed?.end], ['flush', true, 1.5])

  session.flush()
  await log.until(() => log.types.includes('flush-empty'))
  assert.deepEqual(log.events.at(-1), { type: 'flush-empty', at: 1.5 })

  // the end of the stream closes what is open with reason end-of-stream, and the ending waits for its final
  await send(jfk.subarray(0, 1.5 * 32000))
  session.endOfStream()
  await session.closed
  assert.deepEqual(log.finals.map((f) => f.reason), ['flush', 'end-of-stream'])
  assert.deepEqual(log.types.slice(-2), ['final', 'ended'])
  assert.equal(log.ended?.drained, true)
})

test('reject ends at once with bad-input, undecodable audio too: nothing delivered, nothing after ended', async (t) => {
  const { log, session, send } = await start(t)
  await send(jfk.subarray(0, 1.5 * 32000))
  session.reject('not a message of this protocol')
  await session.closed
  assert.deepEqual(log.types, ['speech-started', 'ended'])
  assert.deepEqual([log.ended?.reason, log.ended?.drained, log.ended?.error], ['error', false, { kind: 'bad-input', message: 'not a message of this protocol' }])
  session.audio(jfk)
  session.flush()
  session.endOfStream()
  await session.shutdown()
  assert.equal(log.events.length, 2)

  const other = await start(t, { format: {} })
  other.session.audio(Buffer.from('plain text is no container audio knows'.repeat(4)))
  await other.session.closed
  assert.equal(other.log.ended?.error?.kind, 'bad-input')
})

test('buffer cap: the open utterance is cut (reason buffer-full), reading pauses and resumes; nothing is lost', async (t) => {
  const { log, session, send } = await start(t, {}, { maxBufferSeconds: 1.5 })
  await send(Buffer.concat([jfk, jfk, jfk])) // 6 s without a pause long enough to end an utterance
  session.endOfStream()
  await session.closed
  // pause and resume are states, not counted pairs: the core asked to stop reading, and reading was on at the end
  assert.ok(log.pauses > 0 && log.resumes > 0 && !log.paused, `${log.pauses} pauses, ${log.resumes} resumes`)
  const finals = log.finals
  assert.ok(finals.some((f) => f.reason === 'buffer-full'), finals.map((f) => f.reason).join())
  for (let i = 1; i < finals.length; i++) assert.ok(Math.abs(finals[i]!.start - finals[i - 1]!.end) < 0.03, `gap before final ${i}`)
  assert.ok(finals.at(-1)!.end > 5.9)
})

test('the client gone: ended (gone, not drained) at once, queued decodes cancelled, nothing delivered after', async (t) => {
  const { engine, plan, log, session, send } = await start(t, { interimResults: true })
  await send(Buffer.concat([jfk, silence16k(0.5), jfk]))
  session.clientGone()
  assert.deepEqual([log.ended?.reason, log.ended?.drained], ['gone', false])
  assert.equal(engine.stats().waiting, 0, 'the session\'s queued decodes left the queue')
  const count = log.events.length
  // whatever of the session was running has settled once a decode queued after it has run
  await transcribe(engine, { pcm: [new Float32Array(16000)] }, plan, { priority: 'low' })
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(log.events.length, count)
  assert.equal(log.events.at(-1)?.type, 'ended')
})
