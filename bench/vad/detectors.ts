// The detectors bench/vad measures, behind one interface: per-frame speech probabilities for a whole 16 kHz file,
// and what that cost (model loading excluded): wall seconds, and the CPU seconds the process used meanwhile
// (process.cpuUsage: every thread, so the VAD worker's time is in it; on a shared machine wall time also counts the
// time other processes held the cores, CPU time does not). Both are the server's own routes; the experiments that
// compared other detectors are in docs/decisions/.
import { SileroVad } from '../../src/transcription/vad/index.ts'
import { SileroRunner, SILERO_CONTEXT_SAMPLES, SILERO_STATE_SIZE } from '../../src/transcription/vad/silero-runner.ts'

export interface Detection { probs: Float32Array, seconds: number, cpuSeconds: number }

/** Wall and process CPU seconds around `work`. */
export async function measured (work: () => Promise<Float32Array> | Float32Array): Promise<Detection> {
  const c = process.cpuUsage()
  const t = performance.now()
  const probs = await work()
  const seconds = (performance.now() - t) / 1000
  const u = process.cpuUsage(c)
  return { probs, seconds, cpuSeconds: (u.user + u.system) / 1e6 }
}

export interface Detector {
  name: string
  frameSamples: number
  /** Scored like the live path (causal level gate) rather than like a file. */
  live: boolean
  detect (samples: Float32Array): Promise<Detection>
  close (): Promise<void>
}

/**
 * The server's file route: SileroVad, its worker thread, files scored in batched chunks (silero-runner.ts). Time is
 * measured around each call from the main thread (the copy to the worker and back included).
 */
export async function serverDetector (): Promise<Detector> {
  const vad = new SileroVad()
  await vad.ready()
  return {
    name: 'Silero v6.2 / ONNX Runtime, server (worker, batched)',
    frameSamples: 512,
    live: false,
    detect: async (samples) => await measured(async () => await vad.probabilities(samples)),
    close: async () => await vad.close()
  }
}

/** The server's live path: one SileroStream fed 100 ms at a time (3–4 windows per worker round trip). */
export async function liveDetector (): Promise<Detector> {
  const vad = new SileroVad()
  await vad.ready()
  return {
    name: 'Silero v6.2 / ONNX Runtime, live (worker, 100 ms pieces)',
    frameSamples: 512,
    live: true,
    async detect (samples) {
      const stream = vad.stream()
      const whole = Math.floor(samples.length / 512) * 512
      const probs = new Float32Array(whole / 512)
      let at = 0
      let carry = new Float32Array(0)
      return await measured(async () => {
        for (let off = 0; off < whole; off += 1600) {
          const piece = new Float32Array(carry.length + Math.min(1600, whole - off))
          piece.set(carry)
          piece.set(samples.subarray(off, off + piece.length - carry.length), carry.length)
          const use = Math.floor(piece.length / 512) * 512
          carry = piece.slice(use)
          if (use > 0) { probs.set(await stream.score(piece.subarray(0, use)), at); at += use / 512 }
        }
        return probs
      })
    },
    close: async () => await vad.close()
  }
}

/**
 * Silero in one sequential pass on the calling thread (Silero's own OnnxWrapper loop: no batching, no worker): the
 * reference the corpus's truth is taken from. A trailing partial window is zero-padded, as Silero does.
 */
export async function sequentialProbabilities (samples: Float32Array): Promise<Float32Array> {
  const runner = await SileroRunner.load()
  try {
    const windows = Math.ceil(samples.length / 512)
    const input = new Float32Array(SILERO_CONTEXT_SAMPLES + windows * 512)
    input.set(samples, SILERO_CONTEXT_SAMPLES)
    return (await runner.stream(input, new Float32Array(SILERO_STATE_SIZE))).probs
  } finally {
    await runner.close()
  }
}
