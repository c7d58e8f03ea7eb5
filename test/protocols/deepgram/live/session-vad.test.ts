// Live voice activity from Silero: noise alone never opens an utterance (no SpeechStarted, no Results with words,
// nothing decoded), and speech after the noise, or over a quieter babble with the level gate on, does, at its own time.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ResultsMessage } from '../../../../src/protocols/deepgram/live/messages.ts'
import { DEFAULT_VAD_SETTINGS } from '../../../../src/transcription/vad/index.ts'
import { jfkSpeech16k, silence16k } from '../../../helpers/live-audio.ts'
import { babble, concat, noise, overlay, rmsDb, toS16 } from '../../../helpers/noise.ts'
import { startSession, stream, testEngine, testVad } from './session-helpers.ts'

const CLOSE_STREAM = JSON.stringify({ type: 'CloseStream' })
const noiseBed = (): Float32Array => concat(noise('white', 4, -30, 21), noise('pink', 4, -25, 22), noise('white', 2, -40, 23))

test('a stream of white and pink noise opens no utterance: no SpeechStarted, no Results, no decode', async (t) => {
  const { engine, plan } = await testEngine(t)
  const sut = startSession(engine, plan, { vadEvents: true, interimResults: true, utteranceEndMs: 1000 })
  await stream(sut, toS16(noiseBed()))
  sut.session.receiveText(CLOSE_STREAM)
  assert.equal((await sut.sink.closed()).code, 1000)
  assert.deepEqual(sut.sink.types, ['Metadata'])
  assert.equal(engine.stats().decodes, 0)
})

test('speech after noise opens an utterance at the speech: SpeechStarted, then a final with words', async (t) => {
  const { engine, plan } = await testEngine(t)
  const sut = startSession(engine, plan, { vadEvents: true, utteranceEndMs: 1000 })
  const bed = noiseBed()
  const speech = jfkSpeech16k()
  await stream(sut, Buffer.concat([toS16(bed), speech, silence16k(1.5)]))
  sut.session.receiveText(CLOSE_STREAM)
  await sut.sink.closed()
  const onset = bed.length / 16000
  const started = sut.sink.messages.filter((m) => m.type === 'SpeechStarted') as Array<{ timestamp: number }>
  assert.equal(started.length, 1, sut.sink.types.join())
  assert.ok(started[0]!.timestamp >= onset - 0.05 && started[0]!.timestamp < onset + 0.5, `SpeechStarted at ${started[0]!.timestamp} s, speech at ${onset} s`)
  const finals = sut.sink.results.filter((r) => r.is_final)
  assert.equal(finals.length, 1, sut.sink.types.join())
  const final = finals[0] as ResultsMessage
  assert.ok(final.start >= onset - 0.35, `the utterance starts at ${final.start} s: only the pre-roll before the speech`)
  assert.ok((final.channel.alternatives[0]?.words.length ?? 0) > 0)
  assert.deepEqual(sut.sink.types, ['SpeechStarted', 'final', 'UtteranceEnd', 'Metadata'])
})

test('level gate on: speech over a babble 10 dB below it opens one utterance at the speech, with words', async (t) => {
  const { engine, plan } = await testEngine(t)
  const speech = Float32Array.from(new Int16Array(Uint8Array.from(jfkSpeech16k()).buffer), (x) => x / 32768)
  const onset = 6
  const crowd = babble(onset + speech.length / 16000 + 3, rmsDb(speech) - 10, 25)
  const sut = startSession(engine, plan, { vadEvents: true, utteranceEndMs: 1000, vad: { detector: testVad(), settings: { ...DEFAULT_VAD_SETTINGS, minSnrDb: 4 } } })
  await stream(sut, toS16(overlay(crowd, speech, onset * 16000)))
  sut.session.receiveText(CLOSE_STREAM)
  await sut.sink.closed()
  const started = sut.sink.messages.filter((m) => m.type === 'SpeechStarted') as Array<{ timestamp: number }>
  assert.equal(started.length, 1, sut.sink.types.join())
  // the live gate is causal: the utterance opens with the speech, not once a floor has been re-learnt
  assert.ok(started[0]!.timestamp >= onset - 0.05 && started[0]!.timestamp < onset + 0.5, `SpeechStarted at ${started[0]!.timestamp} s, speech at ${onset} s`)
  const finals = sut.sink.results.filter((r) => r.is_final && r.channel.alternatives[0]!.words.length > 0)
  assert.equal(finals.length, 1, sut.sink.types.join())
  assert.ok(finals[0]!.start >= onset - 0.35, `the utterance starts at ${finals[0]!.start} s`)
})
