// scripts/silero-matmul.mjs: the server's default 16 kHz graph (Silero rewritten as batched MatMuls) against the
// package's ONNX file, frame by frame on real speech, one sequential pass and the batched file route.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { sileroMatmulOnnx } from '../../../scripts/silero-matmul.mjs'
import { readWav } from '../../../bench/prerecorded/wav.ts'
import { speechRegions, DEFAULT_VAD_SETTINGS } from '../../../src/transcription/vad/index.ts'
import { SileroRunner, SILERO_CONTEXT_SAMPLES, SILERO_STATE_SIZE, sileroModelPath } from '../../../src/transcription/vad/silero-runner.ts'
import { concat, noise } from '../../helpers/noise.ts'

const S = 16000
const jfk = readWav(fileURLToPath(new URL('../../fixtures/audio/jfk-full-16k-s16.wav', import.meta.url)))
const speech = Float32Array.from(jfk.samples, (x) => x / 32768)
// 48 s (batched in chunks from 33 s up): speech, pink noise, digital silence
const audio = concat(new Float32Array(2 * S), speech, noise('pink', 8, -35, 3), speech, new Float32Array(5 * S), speech)
/**
 * Largest difference allowed per window. The two graphs do the same arithmetic in another order (one GEMM instead
 * of a Conv per batch item, the STFT's squares summed by ReduceSum), so they differ by float rounding only: measured
 * at most ~1e-6 on this audio, through 1,500 windows of LSTM state carried along.
 */
const TOLERANCE = 1e-4

let shipped: SileroRunner
let matmul: SileroRunner
before(async () => {
  shipped = await SileroRunner.load(sileroModelPath(), {}, 'shipped')
  matmul = await SileroRunner.load(sileroModelPath(), {}, 'matmul')
})
after(async () => { await shipped.close(); await matmul.close() })

const maxDiff = (a: Float32Array, b: Float32Array): number => {
  assert.equal(a.length, b.length)
  let d = 0
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)))
  return d
}
const regions = (p: Float32Array): unknown => speechRegions(p, DEFAULT_VAD_SETTINGS, { totalSamples: audio.length })

test('the conversion is deterministic', () => {
  const onnx = readFileSync(sileroModelPath())
  assert.deepEqual(Buffer.from(sileroMatmulOnnx(onnx)), Buffer.from(sileroMatmulOnnx(onnx)))
})

test('one sequential pass: every window within the tolerance of the shipped graph, the same regions', async () => {
  const whole = Math.floor(audio.length / 512) * 512
  const samples = concat(new Float32Array(SILERO_CONTEXT_SAMPLES), audio.subarray(0, whole))
  const a = await shipped.stream(samples, new Float32Array(SILERO_STATE_SIZE))
  const b = await matmul.stream(samples, new Float32Array(SILERO_STATE_SIZE))
  const d = maxDiff(a.probs, b.probs)
  assert.ok(d <= TOLERANCE, `windows differ by up to ${d}`)
  // the LSTM's cell state is not bounded to [-1, 1] (h is, c is not): compared relative to its largest entry
  const scale = Math.max(1, ...Array.from(a.state, Math.abs))
  const ds = maxDiff(a.state, b.state)
  assert.ok(ds <= TOLERANCE * scale, `states differ by up to ${ds} (largest entry ${scale})`)
  assert.ok(a.probs.some((p) => p > 0.9) && a.probs.some((p) => p < 0.1), 'the audio has speech and non-speech')
  assert.deepEqual(regions(a.probs), regions(b.probs))
})

test('the batched file route: every window within the tolerance of the shipped graph, the same regions', async () => {
  const a = await shipped.file(audio)
  const b = await matmul.file(audio)
  const d = maxDiff(a, b)
  assert.ok(d <= TOLERANCE, `windows differ by up to ${d}`)
  assert.deepEqual(regions(a), regions(b))
})

test("the 8 kHz branch runs the shipped file's 8 kHz model from either runner", async () => {
  assert.deepEqual(await matmul.file(audio, () => false, { rate: 8000 }), await shipped.file(audio, () => false, { rate: 8000 }))
})
