// The checked-in Silero graph (src/transcription/vad/silero-v6.2-16k-matmul.onnx): scripts/silero-matmul.mjs remakes
// it byte for byte from the pinned package's ONNX file, the server refuses any other file, and it scores like the
// package's own graph, frame by frame on real speech: one sequential pass, the batched file route, a full batch.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import * as ort from 'onnxruntime-node'
import { GRAPH_PATH, readSourceOnnx, sha256, sileroMatmulOnnx, sourceOnnxPath, SOURCE } from '../../../scripts/silero-matmul.mjs'
import { readWav } from '../../../bench/prerecorded/wav.ts'
import { speechRegions, DEFAULT_VAD_SETTINGS, SILERO_FRAME_SAMPLES } from '../../../src/transcription/vad/index.ts'
import {
  MAX_BATCH, readSileroGraph, SileroRunner, SILERO_CONTEXT_SAMPLES, SILERO_GRAPH_PATH, SILERO_GRAPH_SHA256, SILERO_STATE_SIZE,
  WARMUP_WINDOWS
} from '../../../src/transcription/vad/silero-runner.ts'
import { concat, noise } from '../../helpers/noise.ts'

const S = 16000
const INPUT = SILERO_CONTEXT_SAMPLES + SILERO_FRAME_SAMPLES
const jfk = readWav(fileURLToPath(new URL('../../fixtures/audio/jfk-full-16k-s16.wav', import.meta.url)))
const speech = Float32Array.from(jfk.samples, (x) => x / 32768)
// 48 s (batched in chunks from 33 s up): speech, pink noise, digital silence
const audio = concat(new Float32Array(2 * S), speech, noise('pink', 8, -35, 3), speech, new Float32Array(5 * S), speech)
/**
 * Largest difference allowed per window. The two graphs do the same arithmetic in another order (one GEMM instead
 * of a Conv per batch item, the STFT's squares summed by ReduceSum), so they differ by float rounding only: measured
 * at most ~4e-6 on this audio, through 1,500 windows of LSTM state carried along.
 */
const TOLERANCE = 1e-4

/** The package's graph as shipped (its `sr` input set to 16 kHz), with the server's session options. */
let shipped: ort.InferenceSession
const sr = new ort.Tensor('int64', BigInt64Array.from([16000n]), [])
let matmul: SileroRunner
let scratch: string
before(async () => {
  shipped = await ort.InferenceSession.create(readSourceOnnx(), { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', logSeverityLevel: 3 })
  matmul = await SileroRunner.load()
  scratch = mkdtempSync(join(tmpdir(), 'earshot-silero-'))
})
after(async () => {
  await shipped.release()
  await matmul.close()
  rmSync(scratch, { recursive: true, force: true })
})

/** One call of the package's graph on `batch` windows of INPUT samples and their state. */
async function shippedStep (input: Float32Array, state: ort.Tensor, batch: number): Promise<{ probs: Float32Array, state: ort.Tensor }> {
  const r = await shipped.run({ input: new ort.Tensor('float32', input, [batch, INPUT]), state, sr })
  return { probs: (r.output as ort.Tensor).data as Float32Array, state: r.stateN as ort.Tensor }
}

/** Window `w` of `x` with 64 samples of context in front (zeros outside `x`), as Silero's OnnxWrapper feeds it. */
function windowAt (x: Float32Array, w: number): Float32Array {
  const out = new Float32Array(INPUT)
  const start = w * SILERO_FRAME_SAMPLES - SILERO_CONTEXT_SAMPLES
  for (let i = 0; i < INPUT; i++) out[i] = x[start + i] ?? 0
  return out
}

/**
 * The runner's file route, written out again on the package's graph: the same chunks (up to MAX_BATCH, each after
 * the first started WARMUP_WINDOWS early), one batched call per window position.
 */
async function shippedFile (x: Float32Array): Promise<Float32Array> {
  const n = Math.ceil(x.length / SILERO_FRAME_SAMPLES)
  const batch = Math.max(1, Math.min(MAX_BATCH, Math.floor(n / (8 * WARMUP_WINDOWS))))
  const length = Math.ceil(n / batch)
  const warm = batch === 1 ? 0 : WARMUP_WINDOWS
  const first = Array.from({ length: batch }, (_, b) => (b === 0 ? 0 : b * length - warm))
  const out = new Float32Array(n)
  let state: ort.Tensor = new ort.Tensor('float32', new Float32Array(batch * SILERO_STATE_SIZE), [2, batch, 128])
  for (let step = 0; step < length + warm; step++) {
    const input = new Float32Array(batch * INPUT)
    first.forEach((f, b) => input.set(windowAt(x, f + step), b * INPUT))
    const r = await shippedStep(input, state, batch)
    state = r.state
    first.forEach((f, b) => { const w = f + step; if (w >= b * length && w < Math.min(n, (b + 1) * length)) out[w] = r.probs[b] as number })
  }
  return out
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  assert.equal(a.length, b.length)
  let d = 0
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)))
  return d
}
const regions = (p: Float32Array): unknown => speechRegions(p, DEFAULT_VAD_SETTINGS, { totalSamples: audio.length })

test('the checked-in graph is what scripts/silero-matmul.mjs makes from the pinned package file, byte for byte', () => {
  assert.equal(GRAPH_PATH, SILERO_GRAPH_PATH)
  assert.match(sourceOnnxPath(), new RegExp(`${SOURCE.file.replace('/', '[/\\\\]')}$`))
  const made = sileroMatmulOnnx(readSourceOnnx())
  const checkedIn = readFileSync(SILERO_GRAPH_PATH)
  assert.equal(sha256(made), sha256(checkedIn), 'regenerate it: npm run vad:graph')
  assert.equal(sha256(checkedIn), SILERO_GRAPH_SHA256, 'set SILERO_GRAPH_SHA256 to the checked-in file\'s hash')
  assert.equal(Buffer.compare(readSileroGraph(), checkedIn), 0)
})

test('the conversion is deterministic', () => {
  const onnx = readSourceOnnx()
  assert.deepEqual(Buffer.from(sileroMatmulOnnx(onnx)), Buffer.from(sileroMatmulOnnx(onnx)))
})

test('a source file other than the pinned one, and a graph other than the checked-in one, are refused', () => {
  const source = new Uint8Array(readFileSync(sourceOnnxPath()))
  source[source.length - 1] = (source[source.length - 1] as number) ^ 1
  writeFileSync(join(scratch, 'source.onnx'), source)
  assert.throws(() => readSourceOnnx(join(scratch, 'source.onnx')), new RegExp(`SHA-256 [0-9a-f]{64}, expected ${SOURCE.sha256}`))

  const graph = readFileSync(SILERO_GRAPH_PATH)
  writeFileSync(join(scratch, 'truncated.onnx'), graph.subarray(0, graph.length - 1))
  assert.throws(() => readSileroGraph(join(scratch, 'truncated.onnx')), new RegExp(`expected ${SILERO_GRAPH_SHA256}`))
})

test("one sequential pass: every window within the tolerance of the package's graph, the same regions", async () => {
  const whole = Math.floor(audio.length / SILERO_FRAME_SAMPLES) * SILERO_FRAME_SAMPLES
  const samples = concat(new Float32Array(SILERO_CONTEXT_SAMPLES), audio.subarray(0, whole))
  const b = await matmul.stream(samples, new Float32Array(SILERO_STATE_SIZE))
  const probs = new Float32Array(whole / SILERO_FRAME_SAMPLES)
  let state: ort.Tensor = new ort.Tensor('float32', new Float32Array(SILERO_STATE_SIZE), [2, 1, 128])
  for (let i = 0; i < probs.length; i++) {
    const r = await shippedStep(samples.slice(i * SILERO_FRAME_SAMPLES, i * SILERO_FRAME_SAMPLES + INPUT), state, 1)
    probs[i] = r.probs[0] as number
    state = r.state
  }
  const d = maxDiff(probs, b.probs)
  assert.ok(d <= TOLERANCE, `windows differ by up to ${d}`)
  // the LSTM's cell state is not bounded to [-1, 1] (h is, c is not): compared relative to its largest entry
  const a = state.data as Float32Array
  const scale = Math.max(1, ...Array.from(a, Math.abs))
  const ds = maxDiff(a, b.state)
  assert.ok(ds <= TOLERANCE * scale, `states differ by up to ${ds} (largest entry ${scale})`)
  assert.ok(probs.some((p) => p > 0.9) && probs.some((p) => p < 0.1), 'the audio has speech and non-speech')
  assert.deepEqual(regions(probs), regions(b.probs))
})

test("the batched file route: every window within the tolerance of the package's graph in the same chunks, the same regions", async () => {
  const a = await shippedFile(audio)
  const b = await matmul.file(audio)
  const d = maxDiff(a, b)
  assert.ok(d <= TOLERANCE, `windows differ by up to ${d}`)
  assert.deepEqual(regions(a), regions(b))
})

test("a full batch: MAX_BATCH windows from all over the audio, each with its own state, as the package's graph scores them", async () => {
  // states as a stream reaches them: one sequential step from zero on another window, per batch row
  const rows = Array.from({ length: MAX_BATCH }, (_, b) => Math.floor(b * (audio.length / SILERO_FRAME_SAMPLES - 2) / MAX_BATCH))
  const warm = await shippedStep(Float32Array.from(rows.flatMap((w) => Array.from(windowAt(audio, w)))), new ort.Tensor('float32', new Float32Array(MAX_BATCH * SILERO_STATE_SIZE), [2, MAX_BATCH, 128]), MAX_BATCH)
  const input = Float32Array.from(rows.flatMap((w) => Array.from(windowAt(audio, w + 1))))
  const a = await shippedStep(input, warm.state, MAX_BATCH)
  const graph = await ort.InferenceSession.create(readSileroGraph(), { intraOpNumThreads: 1, logSeverityLevel: 3 })
  try {
    const r = await graph.run({ input: new ort.Tensor('float32', input, [MAX_BATCH, INPUT]), state: warm.state })
    const d = maxDiff(a.probs, (r.output as ort.Tensor).data as Float32Array)
    assert.ok(d <= TOLERANCE, `windows differ by up to ${d}`)
    const ds = maxDiff(a.state.data as Float32Array, (r.stateN as ort.Tensor).data as Float32Array)
    assert.ok(ds <= TOLERANCE * Math.max(1, ...Array.from(a.state.data as Float32Array, Math.abs)), `states differ by up to ${ds}`)
    assert.ok(a.probs.some((p) => p > 0.5) && a.probs.some((p) => p < 0.5), 'the batch holds speech and non-speech')
  } finally {
    await graph.release()
  }
})
