// The detectors bench/vad compares, behind one interface: per-frame speech probabilities for a whole 16 kHz file,
// and what that cost (model loading excluded and reported apart): wall seconds, and the CPU seconds the process
// used meanwhile (process.cpuUsage: every thread, so the VAD worker's time is in it; on a shared machine wall time
// also counts the time other processes held the cores, CPU time does not).
import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { loadVoiceDetector, VoiceDetector } from './webrtc.ts'
import { VAD_FRAME_SAMPLES } from '../../src/live/tuning.ts'
import { convertSileroOnnx } from '../../scripts/convert-silero.mjs'
import { buildWhisperVad } from './build-whisper-vad.mjs'
import { SileroOnnx, sileroOnnxPath, type Framing } from './silero-onnx.ts'
import { SileroVad } from '../../src/transcription/vad/index.ts'
import { SileroRunner, SILERO_CONTEXT_SAMPLES, SILERO_STATE_SIZE, type SileroGraph } from '../../src/transcription/vad/silero-runner.ts'

const run = promisify(execFile)

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
  detect (samples: Float32Array): Promise<Detection>
  close (): Promise<void>
}

/** Today's live VAD: libfvad (WebRTC) in WASM with the energy floor, 20 ms frames; decisions as 0/1. */
export async function webrtcDetector (): Promise<Detector> {
  const mod = await loadVoiceDetector()
  return {
    name: 'WebRTC (fvad, today\'s live VAD)',
    frameSamples: VAD_FRAME_SAMPLES,
    async detect (samples) {
      const d = new VoiceDetector(mod)
      const probs = new Float32Array(Math.floor(samples.length / VAD_FRAME_SAMPLES))
      let i = 0
      const result = await measured(() => { d.push(samples, (speech) => { probs[i++] = speech ? 1 : 0 }); return probs })
      d.free()
      return result
    },
    async close () {}
  }
}

/**
 * Silero through ONNX Runtime, one async session.run per 32 ms window, 1 thread. Framing 'silero' is Silero's own
 * (previous window's last 64 samples as context); 'reflect' is whisper.cpp's, to tell the two apart.
 */
export async function onnxDetector (framing: Framing = 'silero'): Promise<Detector> {
  const vad = await SileroOnnx.load()
  return {
    name: framing === 'silero' ? 'Silero v6.2 / ONNX Runtime' : 'Silero v6.2 / ONNX Runtime, whisper.cpp framing',
    frameSamples: 512,
    detect: async (samples) => await measured(async () => await vad.probs(samples, framing)),
    close: async () => await vad.close()
  }
}

/**
 * The server's detector: SileroVad, its worker thread, files scored in batched chunks (silero-runner.ts). Time is
 * measured around each call from the main thread (the copy to the worker and back included).
 */
export async function serverDetector (fileRate: 8000 | 16000 = 16000, graph: SileroGraph = 'matmul'): Promise<Detector> {
  const vad = new SileroVad({ fileRate, graph })
  await vad.ready()
  return {
    name: `Silero v6.2 / ONNX Runtime, server (worker, batched${fileRate === 8000 ? ', 8 kHz branch' : ''}${graph === 'shipped' ? ', shipped graph' : ''})`,
    frameSamples: 512,
    detect: async (samples) => await measured(async () => await vad.probabilities(samples)),
    close: async () => await vad.close()
  }
}

/** The server's live path: one SileroStream fed 100 ms at a time (3–4 windows per worker round trip). */
export async function liveDetector (graph: SileroGraph = 'matmul'): Promise<Detector> {
  const vad = new SileroVad({ graph })
  await vad.ready()
  return {
    name: `Silero v6.2 / ONNX Runtime, live (worker, 100 ms pieces${graph === 'shipped' ? ', shipped graph' : ''})`,
    frameSamples: 512,
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

/** The same model, options and framing in one sequential pass on the calling thread (no batching, no worker). */
export async function sequentialDetector (): Promise<Detector> {
  const runner = await SileroRunner.load()
  return {
    name: 'Silero v6.2 / ONNX Runtime, sequential (server options)',
    frameSamples: 512,
    async detect (samples) {
      const whole = Math.floor(samples.length / 512) * 512
      const input = new Float32Array(SILERO_CONTEXT_SAMPLES + whole)
      input.set(samples.subarray(0, whole), SILERO_CONTEXT_SAMPLES)
      return await measured(async () => (await runner.stream(input, new Float32Array(SILERO_STATE_SIZE))).probs)
    },
    close: async () => await runner.close()
  }
}

/**
 * Silero through whisper.cpp's own VAD (v1.9.1 whisper_vad_detect_speech, 1 thread) on the ggml file converted
 * from the same ONNX weights; the time is what the program measures around the call (no process start, no load).
 */
export async function whisperCppDetector (cacheDir: string, log: (m: string) => void): Promise<Detector> {
  const exe = await buildWhisperVad({ outDir: join(cacheDir, 'whisper-vad'), log })
  mkdirSync(cacheDir, { recursive: true })
  const model = join(cacheDir, 'ggml-silero-v6.2.0.bin')
  writeFileSync(model, convertSileroOnnx(readFileSync(sileroOnnxPath())))
  return {
    name: 'Silero v6.2 / whisper.cpp VAD',
    frameSamples: 512,
    async detect (samples) {
      const input = join(cacheDir, 'in.f32')
      const output = join(cacheDir, 'out.f32')
      writeFileSync(input, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength))
      const { stdout } = await run(exe, [model, input, output, '1'])
      const report = JSON.parse(stdout) as { vad_ms: number }
      const raw = readFileSync(output)
      // another process, which reports only its wall time around the call: CPU time unknown
      return { probs: new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length)), seconds: report.vad_ms / 1000, cpuSeconds: NaN }
    },
    async close () {}
  }
}
