// Silero on ONNX Runtime, as the server runs it: in the VAD worker, batched for files, streamed for live.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { readWav } from '../../../bench/prerecorded/wav.ts'
import { SileroVad, speechRegions, DEFAULT_VAD_SETTINGS } from '../../../src/transcription/vad/index.ts'
import { SileroRunner, SILERO_CONTEXT_SAMPLES, SILERO_STATE_SIZE } from '../../../src/transcription/vad/silero-runner.ts'
import { concat, noise } from '../../helpers/noise.ts'

const S = 16000
const jfk = readWav(fileURLToPath(new URL('../../fixtures/audio/jfk-full-16k-s16.wav', import.meta.url)))
const speech = Float32Array.from(jfk.samples, (x) => x / 32768)
// 48 s: long enough to be scored in batched chunks (the runner batches from 33 s up)
const audio = concat(new Float32Array(2 * S), speech, noise('pink', 8, -35, 3), speech, new Float32Array(5 * S), speech)

let vad: SileroVad
let sequential: Float32Array
before(async () => {
  vad = new SileroVad()
  // the reference: one pass, window after window, exactly Silero's OnnxWrapper framing
  const runner = await SileroRunner.load()
  const whole = Math.floor(audio.length / 512) * 512
  sequential = (await runner.stream(concat(new Float32Array(SILERO_CONTEXT_SAMPLES), audio.subarray(0, whole)), new Float32Array(SILERO_STATE_SIZE))).probs
  await runner.close()
})
after(async () => { await vad.close() })

test('batched file scoring matches one sequential pass: the same regions, 97 % of windows within 0.05', async () => {
  const probs = await vad.probabilities(audio)
  assert.equal(probs.length, Math.ceil(audio.length / 512))
  let off = 0
  for (let i = 0; i < sequential.length; i++) if (Math.abs((probs[i] as number) - (sequential[i] as number)) > 0.05) off++
  assert.ok(off < 0.03 * sequential.length, `${off} of ${sequential.length} windows differ by more than 0.05`)
  const a = speechRegions(probs, DEFAULT_VAD_SETTINGS, { totalSamples: audio.length })
  const b = speechRegions(sequential, DEFAULT_VAD_SETTINGS, { totalSamples: audio.length })
  assert.deepEqual(a, b)
  assert.ok(vad.windowsScored >= probs.length)
})

test('a live stream fed in uneven pieces scores like the sequential pass', async () => {
  const stream = vad.stream()
  const got: number[] = []
  const pieces = [512, 3 * 512, 5120, 512, 16 * 512]
  let at = 0
  for (let i = 0; at + (pieces[i % pieces.length] as number) <= sequential.length * 512; i++) {
    const n = pieces[i % pieces.length] as number
    got.push(...await stream.score(audio.subarray(at, at + n)))
    at += n
  }
  let worst = 0
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs((got[i] as number) - (sequential[i] as number)))
  assert.ok(worst < 1e-5, `largest difference ${worst}`)
})

test("the caller's audio is intact after scoring (speech-only.ts decodes it afterwards), shared or not", async () => {
  const mine = audio.slice()
  const probs = await vad.probabilities(mine)
  assert.equal(mine.length, audio.length)
  assert.deepEqual(mine, audio)
  const shared = new Float32Array(new SharedArrayBuffer(audio.byteLength))
  shared.set(audio)
  assert.deepEqual(await vad.probabilities(shared), probs)
  assert.deepEqual(shared, audio)
})

test('an aborted file run rejects, and the detector goes on serving', async () => {
  const controller = new AbortController()
  const run = vad.probabilities(audio, controller.signal)
  controller.abort(new Error('client gone'))
  await assert.rejects(run, /client gone/)
  assert.equal((await vad.probabilities(speech)).length, Math.ceil(speech.length / 512))
})

test('a live stream stops being scored once its signal aborts: in the worker at its next window, or before it is sent', async () => {
  // the worker loop itself: cancelled after 10 windows, it returns those 10
  const runner = await SileroRunner.load()
  let polls = 0
  const cut = await runner.stream(concat(new Float32Array(SILERO_CONTEXT_SAMPLES), audio.subarray(0, 100 * 512)), new Float32Array(SILERO_STATE_SIZE), () => polls++ >= 10)
  await runner.close()
  assert.equal(cut.probs.length, 10)

  // through the detector: a long request in the worker, aborted once a one-window request sent after it has been
  // answered (the worker interleaves the two, so the long one is under way by then)
  const windows = Math.floor(audio.length / 512)
  const controller = new AbortController()
  const long = vad.stream(controller.signal).score(audio.subarray(0, windows * 512))
  const scoredBefore = vad.windowsScored
  await vad.stream().score(audio.subarray(0, 512))
  controller.abort(new Error('client gone'))
  await assert.rejects(long, /client gone/)
  const scored = vad.windowsScored - scoredBefore - 1
  assert.ok(scored < windows / 2, `the worker scored ${scored} of ${windows} windows of the aborted request`)

  // aborted before anything is sent: nothing is scored; and the detector goes on serving
  const aborted = AbortSignal.abort(new Error('gone already'))
  const atAbort = vad.windowsScored
  await assert.rejects(vad.stream(aborted).score(audio.subarray(0, 10 * 512)), /gone already/)
  assert.equal(vad.windowsScored, atAbort)
  assert.equal((await vad.stream().score(audio.subarray(0, 10 * 512))).length, 10)
})
