// Voice activity on pre-recorded audio, Deepgram and OpenAI routes alike: silence and noise never reach the decoder
// (the engine's decode counter stays where it was) and come back as empty transcripts; speech with inserted
// silence and noise is decoded without them, its word times in the original audio; with the level gate on, speech
// over a quieter babble keeps its words; vad=false decodes everything.
// The generated test model says its scripted phrase for any audio it is given, so any decode shows as words.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { readWav } from '../../bench/prerecorded/wav.ts'
import { build, type TestApp } from '../helpers/build.ts'
import { TEST_PHRASE } from '../helpers/models.ts'
import { babble, concat, noise, overlay, rmsDb } from '../helpers/noise.ts'
import { openAiClient, wav } from '../helpers/openai.ts'
import { toFile } from 'openai'

const S = 16000
const jfk = readWav(fileURLToPath(new URL('../fixtures/audio/jfk-full-16k-s16.wav', import.meta.url)))
const speech = Float32Array.from(jfk.samples, (x) => x / 32768)

interface Word { word: string, start: number, end: number }
interface Listen { metadata: { duration: number }, results: { channels: Array<{ alternatives: Array<{ transcript: string, words: Word[] }> }> } }

async function listen (app: TestApp, key: string, audio: Float32Array, query = ''): Promise<Listen> {
  const res = await app.fetch(`/v1/listen${query}`, { method: 'POST', headers: { authorization: `Token ${key}`, 'content-type': 'audio/wav' }, body: wav(audio) })
  assert.equal(res.status, 200, await res.clone().text())
  return await res.json() as Listen
}

const nonSpeech: Array<[string, Float32Array]> = [
  ['digital silence', new Float32Array(10 * S)],
  ['white noise at -30 dBFS', noise('white', 10, -30, 11)],
  ['pink noise at -25 dBFS', noise('pink', 10, -25, 12)]
]

test('Deepgram: silence and noise give an empty transcript and never run the decoder', async (t) => {
  const app = await build(t)
  const key = await app.createKey()
  for (const [name, audio] of nonSpeech) {
    const body = await listen(app, key, audio)
    const alt = body.results.channels[0]?.alternatives[0]
    assert.equal(alt?.transcript, '', name)
    assert.deepEqual(alt?.words, [], name)
    assert.ok(Math.abs(body.metadata.duration - 10) < 0.01, name)
  }
  assert.equal(app.app.engine.stats().decodes, 0, 'no decode ran')
  assert.ok(app.app.vad.detector.windowsScored >= nonSpeech.length * Math.floor(10 * S / 512), 'the VAD scored every file')

  // vad=false: the same silence is decoded, and whisper (here: the scripted model) hears words in it
  const off = await listen(app, key, nonSpeech[0]![1], '?vad=false')
  assert.equal(off.results.channels[0]?.alternatives[0]?.transcript, TEST_PHRASE)
  assert.equal(app.app.engine.stats().decodes, 1)
})

test('Deepgram: speech with inserted silence and noise is decoded without them, times in the original audio', async (t) => {
  const app = await build(t)
  const key = await app.createKey()
  // 3 s silence | jfk 11 s | 6 s pink noise | jfk 11 s | 2 s silence: 33 s, two 30 s windows without VAD
  const parts = [new Float32Array(3 * S), speech, noise('pink', 6, -35, 5), speech, new Float32Array(2 * S)]
  const audio = concat(...parts)
  const spans: Array<[number, number]> = []
  let at = 0
  for (const p of parts) {
    if (p === speech) spans.push([at / S, (at + p.length) / S])
    at += p.length
  }
  const body = await listen(app, key, audio)
  const words = body.results.channels[0]?.alternatives[0]?.words ?? []
  assert.ok(words.length > 0)
  const pad = 0.25 // Silero's padding and where its regions start within the clip's first and last syllables
  // Both ends of every word lie in speech. (The scripted model's words are seconds long, so one may start in the
  // first clip and end in the second, across the 0.1 s the two regions are joined by; it never lands in the gap.)
  const inSpeech = (t: number): boolean => spans.some(([s, e]) => t >= s - pad && t <= e + pad)
  for (const w of words) assert.ok(inSpeech(w.start) && inSpeech(w.end), `"${w.word}" at ${w.start}-${w.end} s: not in the speech ${JSON.stringify(spans)}`)
  assert.ok(words.some((w) => w.start >= (spans[1] as [number, number])[0] - pad), 'the second clip is transcribed at its own time')
  assert.ok(Math.abs(body.metadata.duration - audio.length / S) < 0.01)
  assert.equal(app.app.engine.stats().decodes, 1, '22 s of speech fit one 30 s window')

  const all = await listen(app, key, audio, '?vad=false')
  assert.equal(app.app.engine.stats().decodes, 2, 'without VAD: one decode of the whole file')
  const heard = all.results.channels[0]?.alternatives[0]?.words ?? []
  // whisper's second 30 s window starts at 30 s, in the last clip's final second and the silence after it
  assert.ok(heard.some((w) => w.start >= 30 - 0.01), `without VAD the decode covers the whole file: ${JSON.stringify(heard.map((w) => [w.start, w.end]))}`)
})

test('Deepgram, level gate on: speech over babble 10 dB below it keeps its words, only in the speech', async (t) => {
  const app = await build(t, { VAD_MIN_SNR_DB: '4' })
  const key = await app.createKey()
  // babble throughout (26 s), jfk's 11 s from 8 s to 19 s: the file starts and ends with 8 and 7 s of babble alone
  const crowd = babble(26, rmsDb(speech) - 10, 14)
  const audio = overlay(crowd, speech, 8 * S)
  const body = await listen(app, key, audio)
  const words = body.results.channels[0]?.alternatives[0]?.words ?? []
  assert.ok(words.length > 0, 'the speech is transcribed')
  const pad = 0.25
  for (const w of words) assert.ok(w.start >= 8 - pad && w.end <= 19 + pad, `"${w.word}" at ${w.start}-${w.end} s: outside the speech (8-19 s)`)
  assert.ok(words.some((w) => w.end >= 19 - 1), `the speech's last second is kept: ${JSON.stringify(words.map((w) => [w.start, w.end]))}`)
  assert.equal(app.app.engine.stats().decodes, 1)
})

test('OpenAI: silence and noise give empty text and never run the decoder; vad=false decodes them', async (t) => {
  const app = await build(t)
  const key = await app.createKey()
  const openai = openAiClient(app, key)
  for (const [name, audio] of nonSpeech) {
    const json = await openai.audio.transcriptions.create({ file: await toFile(wav(audio), 'x.wav', { type: 'audio/wav' }), model: 'small-test' })
    assert.equal(json.text, '', name)
    const verbose = await openai.audio.transcriptions.create({ file: await toFile(wav(audio), 'x.wav', { type: 'audio/wav' }), model: 'small-test', response_format: 'verbose_json' })
    assert.deepEqual(verbose.segments, [], name)
  }
  const translated = await openai.audio.translations.create({ file: await toFile(wav(nonSpeech[1]![1]), 'x.wav', { type: 'audio/wav' }), model: 'small-test' })
  assert.equal(translated.text, '')
  assert.equal(app.app.engine.stats().decodes, 0, 'no decode ran')

  const form = new FormData()
  form.set('file', new Blob([wav(nonSpeech[0]![1])], { type: 'audio/wav' }), 'silence.wav')
  form.set('model', 'small-test')
  form.set('vad', 'false')
  const res = await app.fetch('/v1/audio/transcriptions', { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form })
  assert.equal(res.status, 200)
  assert.equal((await res.json() as { text: string }).text, TEST_PHRASE)
  assert.equal(app.app.engine.stats().decodes, 1)
})
