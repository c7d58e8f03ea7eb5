import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { FRAME_OVERHEAD_BYTES, MAX_FRAME_BYTES, MAX_HELD_BYTES } from '../../../../src/live/tuning.ts'
import type { MetadataMessage, ResultsMessage } from '../../../../src/protocols/deepgram/live/messages.ts'
import { jfkSpeech16k, quietNoise16k, silence16k } from '../../../helpers/live-audio.ts'
import { startSession, stream, testEngine } from './session-helpers.ts'

const jfk = jfkSpeech16k()
/** 6.5 s: two 2 s utterances separated by a second of silence. */
const twoUtterances = Buffer.concat([silence16k(0.5), jfk, silence16k(1), jfk, silence16k(1)])
const CLOSE_STREAM = JSON.stringify({ type: 'CloseStream' })

function assertWordsInside (r: ResultsMessage): void {
  for (const w of r.channel.alternatives[0]?.words ?? []) {
    assert.ok(w.start >= r.start - 1e-3 && w.end <= r.start + r.duration + 1e-3 && w.end >= w.start, JSON.stringify({ w, r: [r.start, r.duration] }))
  }
}

test('each utterance gets one final Results with speech_final; Metadata comes last, then close 1000', async (t) => {
  const { engine, plan } = await testEngine(t)
  const sut = startSession(engine, plan, { vadEvents: true, tags: ['unit'] })
  await stream(sut, twoUtterances)
  sut.session.receiveText(CLOSE_STREAM)
  assert.deepEqual(await sut.sink.closed(), { code: 1000, reason: '' })

  const finals = sut.sink.results
  assert.equal(finals.length, 2, sut.sink.types.join())
  assert.ok(finals.every((r) => r.is_final && r.speech_final && !r.from_finalize))
  assert.ok(Math.abs((finals[0] as ResultsMessage).start - 0.2) < 0.1, `first starts ${finals[0]?.start}`)
  assert.ok(Math.abs((finals[1] as ResultsMessage).start - 3.2) < 0.1, `second starts ${finals[1]?.start}`)
  for (const r of finals) {
    assert.ok((r.channel.alternatives[0]?.words.length ?? 0) > 0, 'the test model always says its phrase')
    assertWordsInside(r)
    assert.equal(r.metadata.request_id, 'test-request')
    assert.equal(r.metadata.model_uuid, plan.model.uuid)
  }
  const started = sut.sink.messages.filter((m) => m.type === 'SpeechStarted')
  assert.equal(started.length, 2)

  const metadata = sut.sink.messages.at(-1) as MetadataMessage
  assert.equal(metadata.type, 'Metadata')
  assert.equal(metadata.duration, 6.5)
  assert.equal(metadata.sha256, createHash('sha256').update(twoUtterances).digest('hex'))
  assert.deepEqual(metadata.models, [plan.model.uuid])
  assert.deepEqual(metadata.tags, ['unit'])
})

test('silence alone yields no Results at all', async (t) => {
  const { engine, plan } = await testEngine(t)
  const sut = startSession(engine, plan, { interimResults: true, vadEvents: true, utteranceEndMs: 1000 })
  await stream(sut, Buffer.concat([silence16k(2), quietNoise16k(3)]))
  sut.session.receiveText(CLOSE_STREAM)
  assert.equal((await sut.sink.closed()).code, 1000)
  assert.deepEqual(sut.sink.types, ['Metadata'])
})

test('interim Results re-decode the open utterance before its final', async (t) => {
  const { engine, plan } = await testEngine(t)
  const sut = startSession(engine, plan, { interimResults: true })
  await stream(sut, Buffer.concat([silence16k(0.5), jfk.subarray(0, 1.6 * 32000)]))
  await sut.sink.until(() => sut.sink.results.length > 0)
  const interim = sut.sink.results[0] as ResultsMessage
  assert.equal(interim.is_final, false)
  assert.equal(interim.speech_final, false)
  assert.ok(interim.duration >= 1, `an interim covers at least a second: ${interim.duration}`)
  await stream(sut, Buffer.concat([jfk.subarray(1.6 * 32000), silence16k(1)]))
  sut.session.receiveText(CLOSE_STREAM)
  await sut.sink.closed()
  const types = sut.sink.types
  assert.equal(types.at(-1), 'Metadata')
  assert.equal(types.filter((x) => x === 'final').length, 1)
  assert.ok(types.indexOf('final') > types.lastIndexOf('interim'), types.join())
  const final = sut.sink.results.find((r) => r.is_final) as ResultsMessage
  assert.equal(final.start, interim.start)
})

test('Finalize flushes the open utterance (from_finalize) and is answered even when nothing is open', async (t) => {
  const { engine, plan } = await testEngine(t)
  const sut = startSession(engine, plan)
  await stream(sut, jfk.subarray(0, 1.5 * 32000))
  sut.session.receiveText(JSON.stringify({ type: 'Finalize' }))
  await sut.sink.until(() => sut.sink.results.length === 1)
  const flushed = sut.sink.results[0] as ResultsMessage
  assert.equal(flushed.is_final, true)
  assert.equal(flushed.from_finalize, true)
  assert.equal(flushed.speech_final, false)
  assert.ok((flushed.channel.alternatives[0]?.transcript ?? '') !== '')
  assert.equal(flushed.start + flushed.duration, 1.5)

  sut.session.receiveText(JSON.stringify({ type: 'KeepAlive' }))
  sut.session.receiveText(JSON.stringify({ type: 'Finalize' }))
  await sut.sink.until(() => sut.sink.results.length === 2)
  const empty = sut.sink.results[1] as ResultsMessage
  assert.deepEqual([empty.from_finalize, empty.is_final, empty.channel.alternatives[0]?.transcript, empty.duration], [true, true, '', 0])

  sut.session.receiveAudio(new Uint8Array(0)) // Deepgram's original way to end a stream
  assert.equal((await sut.sink.closed()).code, 1000)
  assert.deepEqual(sut.sink.types, ['final', 'final', 'Metadata'])
})

test('a text frame that is not JSON closes 1008 DATA-0000 at once, without Metadata', async (t) => {
  const { engine, plan } = await testEngine(t)
  for (const text of ['not json', '{"type":', '']) {
    const sut = startSession(engine, plan)
    sut.session.receiveText(text)
    assert.deepEqual(await sut.sink.closed(), { code: 1008, reason: 'DATA-0000' }, text)
    assert.deepEqual(sut.sink.messages, [])
  }
})

test('JSON of an unknown type (SDK v4 Configure, later messages) is ignored with a log line; the session goes on', async (t) => {
  const { engine, plan } = await testEngine(t)
  const logged: unknown[] = []
  const logger = { info: (obj: unknown, msg?: string) => { logged.push([obj, msg]) }, warn: () => {}, error: () => {} }
  const sut = startSession(engine, plan, { logger })
  for (const text of ['{"type":"Configure","features":{"numerals":true}}', '{"type":"Bogus"}', '[]', 'null', '{}']) sut.session.receiveText(text)
  assert.equal(sut.sink.closedWith, undefined)
  assert.deepEqual(logged.slice(0, 2), [[{ type: 'Configure' }, 'live text message ignored'], [{ type: 'Bogus' }, 'live text message ignored']])
  await stream(sut, jfk.subarray(0, 2 * 32000))
  sut.session.receiveText('{"type":"CloseStream"}')
  assert.deepEqual(await sut.sink.closed(), { code: 1000, reason: '' })
  assert.deepEqual(sut.sink.types.at(-1), 'Metadata')
  assert.ok(sut.sink.results.some((r) => r.is_final && r.channel.alternatives[0]?.transcript !== ''))
})

test('no audio and no text frame for the idle timeout: the buffered final, Metadata, close 1011 NET-0001', async (t) => {
  const { engine, plan } = await testEngine(t)
  const sut = startSession(engine, plan, {}, { idleTimeoutSeconds: 0.3 })
  await stream(sut, jfk.subarray(0, 1.5 * 32000))
  assert.deepEqual(await sut.sink.closed(), { code: 1011, reason: 'NET-0001' })
  assert.deepEqual(sut.sink.types, ['final', 'Metadata'])
})

test('session length cap: audio past it is dropped, finals and Metadata are sent, close 1008 LIMIT-0001', async (t) => {
  const { engine, plan } = await testEngine(t)
  const sut = startSession(engine, plan, {}, { maxSeconds: 3 })
  await stream(sut, twoUtterances)
  assert.deepEqual(await sut.sink.closed(), { code: 1008, reason: 'LIMIT-0001' })
  const metadata = sut.sink.messages.at(-1) as MetadataMessage
  assert.equal(metadata.type, 'Metadata')
  assert.equal(metadata.duration, 3)
  assert.equal(sut.sink.results.length, 1)
  assert.ok(sut.sink.results.every((r) => r.start + r.duration <= 3))
})

test('buffer cap: the utterance is finalized and reading pauses until the backlog drains; nothing is lost', async (t) => {
  const { engine, plan } = await testEngine(t)
  const sut = startSession(engine, plan, {}, { maxBufferSeconds: 1.5 })
  const speech = Buffer.concat([jfk, jfk, jfk, jfk]) // 8 s without a pause long enough to end an utterance
  await stream(sut, speech)
  sut.session.receiveText(CLOSE_STREAM)
  assert.equal((await sut.sink.closed()).code, 1000)
  assert.ok(sut.sink.pauses > 0, 'the session asked to stop reading')
  const finals = sut.sink.results
  assert.ok(finals.length >= 4, `${finals.length} finals`)
  assert.ok(finals.every((r) => r.is_final && r.duration <= 1.5 + 0.11), finals.map((r) => r.duration).join())
  // contiguous: each final starts where the previous one ended, and together they cover the speech
  for (let i = 1; i < finals.length; i++) {
    const prev = finals[i - 1] as ResultsMessage
    assert.ok(Math.abs((finals[i] as ResultsMessage).start - (prev.start + prev.duration)) < 0.03, `gap before final ${i}`)
  }
  const last = finals.at(-1) as ResultsMessage
  assert.ok(last.start + last.duration > 7.9 && (finals[0] as ResultsMessage).start < 0.15)
})

test('buffer cap: a client that keeps sending past twice the cap is closed 1008 LIMIT-0002', async (t) => {
  const { engine, plan } = await testEngine(t)
  const sut = startSession(engine, plan, {}, { maxBufferSeconds: 1 })
  // Every frame at once, ignoring the pause request: all of it is queued before the engine can catch up.
  for (let off = 0; off < 8 * 32000; off += 3200) sut.session.receiveAudio(Buffer.concat([jfk, jfk, jfk, jfk]).subarray(off, off + 3200))
  assert.deepEqual(await sut.sink.closed(), { code: 1008, reason: 'LIMIT-0002' })
  assert.ok(!sut.sink.types.includes('Metadata'))
})

test('frames held: reading pauses past 512 KiB of unprocessed frames; past 4 MiB, ignoring the pause, close 1008 LIMIT-0002 at once', async (t) => {
  const { engine, plan } = await testEngine(t)
  const sut = startSession(engine, plan)
  const speech = Buffer.concat(Array.from({ length: Math.ceil(MAX_FRAME_BYTES / jfk.length) }, () => jfk)).subarray(0, MAX_FRAME_BYTES)
  // Every frame at once, as a transport that cannot pause would deliver them: none is processed meanwhile.
  sut.session.receiveAudio(speech)
  assert.equal(sut.sink.pauses, 1, 'one large frame is past the bytes a session holds before it stops reading')
  let sent = 1
  while (sut.sink.closedWith === undefined && sent < 16) {
    sut.session.receiveAudio(speech)
    sent++
  }
  assert.deepEqual(sut.sink.closedWith, { code: 1008, reason: 'LIMIT-0002' })
  assert.equal(sent, Math.floor(MAX_HELD_BYTES / (MAX_FRAME_BYTES + FRAME_OVERHEAD_BYTES)) + 1, 'closed at the first frame past the limit')
  await sut.session.closed
  assert.ok(!sut.sink.types.includes('Metadata'))
})

test('finals go out in order even when the engine decodes several at once', async (t) => {
  const { engine, plan } = await testEngine(t, 3)
  const sut = startSession(engine, plan)
  const many = Buffer.concat(Array.from({ length: 5 }, () => [jfk.subarray(0, 32000), silence16k(0.5)]).flat())
  await stream(sut, many)
  sut.session.receiveText(CLOSE_STREAM)
  await sut.sink.closed()
  const starts = sut.sink.results.map((r) => r.start)
  assert.equal(starts.length, 5)
  assert.deepEqual(starts, [...starts].sort((a, b) => a - b))
})

test('server shutdown delivers the open utterance and Metadata, then closes 1001', async (t) => {
  const { engine, plan } = await testEngine(t)
  const sut = startSession(engine, plan)
  await stream(sut, jfk.subarray(0, 1.5 * 32000))
  await sut.session.shutdown(60_000) // the default grace is 5 s: a loaded test machine could exceed it
  assert.deepEqual(sut.sink.closedWith, { code: 1001, reason: 'server shutting down' })
  assert.deepEqual(sut.sink.types, ['final', 'Metadata'])
})

test('a client that goes away gets nothing more, and the session stops', async (t) => {
  const { engine, plan } = await testEngine(t)
  const sut = startSession(engine, plan, { interimResults: true })
  await stream(sut, jfk)
  sut.session.clientGone()
  await sut.session.closed
  sut.session.receiveAudio(jfk) // ignored
  sut.session.receiveText(CLOSE_STREAM) // ignored
  const count = sut.sink.messages.length
  await sut.session.shutdown() // already closed: returns at once
  assert.equal(sut.sink.messages.length, count)
  assert.equal(sut.sink.closedWith, undefined)
})
