// What Deepgram clients in the wild need from a live session: a client that stops sending audio after speech
// (voice agents send only KeepAlive) still gets its final, speech_final and UtteranceEnd; Finalize right after
// speech answers with the pending words. Wall-clock time comes from a manual clock: no sleeps.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { MetadataMessage } from '../../../../src/protocols/deepgram/live/messages.ts'
import { jfkSpeech16k, silence16k } from '../../../helpers/live-audio.ts'
import { ManualClock } from '../../../helpers/manual-clock.ts'
import { startSession, testEngine, testVad, type SessionUnderTest } from './session-helpers.ts'

const jfk = jfkSpeech16k()
const FRAME = 640 // 20 ms of 16 kHz s16le

const turn = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

/** Sends `bytes` in 20 ms frames, the clock moving 20 ms before each: a real-time client. */
async function realTime (sut: SessionUnderTest, clock: ManualClock, bytes: Buffer): Promise<void> {
  for (let off = 0; off < bytes.length; off += FRAME) {
    clock.advance(20)
    sut.session.receiveAudio(bytes.subarray(off, off + FRAME))
    await turn()
  }
}

test('a client that stops sending after speech and only sends KeepAlive gets final, speech_final and UtteranceEnd', async (t) => {
  const { engine, plan } = await testEngine(t)
  await testVad().ready() // the VAD worker started and loaded: the clock below is what moves the session
  const clock = new ManualClock()
  const sut = startSession(engine, plan, { clock, endpointingMs: 300, utteranceEndMs: 1000 }, { idleTimeoutSeconds: 10 })
  const sent = Buffer.concat([jfk, silence16k(0.1)])
  await realTime(sut, clock, sent)
  // the client goes quiet: wall-clock time passes, a KeepAlive every 5 s, no more audio
  for (let ms = 0; ms < 5000; ms += 100) {
    clock.advance(100)
    await turn()
  }
  sut.session.receiveText('{"type":"KeepAlive"}')
  await sut.sink.until(() => sut.sink.types.includes('UtteranceEnd'))
  const finals = sut.sink.results.filter((r) => r.is_final)
  assert.equal(finals.length, 1)
  assert.equal(finals[0]?.speech_final, true)
  assert.equal(finals[0]?.from_finalize, false)
  assert.ok((finals[0]?.channel.alternatives[0]?.words.length ?? 0) > 0)
  assert.deepEqual(sut.sink.types, ['final', 'UtteranceEnd'])
  sut.session.receiveText('{"type":"CloseStream"}')
  await sut.sink.closed()
  // the silence counted for the quiet client is stream time: more than was sent, no more than the wall clock
  const metadata = sut.sink.messages.at(-1) as MetadataMessage
  assert.ok(metadata.duration > sent.length / 32000 + 0.5 && metadata.duration <= clock.now() / 1000 + 0.02, String(metadata.duration))
})

test('audio sent faster than real time is never padded with silence', async (t) => {
  const { engine, plan } = await testEngine(t)
  const clock = new ManualClock()
  const sut = startSession(engine, plan, { clock, endpointingMs: 300 })
  sut.session.receiveAudio(jfk) // 2 s at once
  await turn()
  for (let ms = 0; ms < 1500; ms += 100) { // less wall time than the audio it sent
    clock.advance(100)
    await turn()
  }
  sut.session.receiveText('{"type":"CloseStream"}')
  await sut.sink.closed()
  const finals = sut.sink.results.filter((r) => r.is_final)
  assert.equal(finals.length, 1)
  assert.equal(finals[0]?.speech_final, false, 'closed by CloseStream, not by an endpoint in invented silence')
  assert.equal((sut.sink.messages.at(-1) as MetadataMessage).duration, 2)
})

test('Finalize right after speech answers with the pending words, from_finalize: true', async (t) => {
  const { engine, plan } = await testEngine(t)
  const sut = startSession(engine, plan)
  sut.session.receiveAudio(jfk)
  sut.session.receiveText('{"type":"Finalize"}')
  await sut.sink.until(() => sut.sink.results.length > 0)
  const [final] = sut.sink.results
  assert.equal(final?.is_final, true)
  assert.equal(final?.from_finalize, true)
  assert.ok((final?.channel.alternatives[0]?.words.length ?? 0) > 0)
})

test('Finalize after the endpoint queued the final marks that final instead of sending an empty one', async (t) => {
  const { engine, plan } = await testEngine(t)
  const sut = startSession(engine, plan, { endpointingMs: 200 })
  // speech then a pause the endpointer closes the utterance on, in one frame: its final is decoding when Finalize comes
  sut.session.receiveAudio(Buffer.concat([jfk, silence16k(0.5)]))
  sut.session.receiveText('{"type":"Finalize"}')
  sut.session.receiveText('{"type":"CloseStream"}')
  await sut.sink.closed()
  const finals = sut.sink.results.filter((r) => r.is_final)
  assert.equal(finals.length, 1, JSON.stringify(sut.sink.types))
  assert.equal(finals[0]?.from_finalize, true)
  assert.equal(finals[0]?.speech_final, true)
  assert.ok((finals[0]?.channel.alternatives[0]?.words.length ?? 0) > 0)
})
