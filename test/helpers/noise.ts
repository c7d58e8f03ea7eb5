/** Deterministic noise for VAD tests: white or pink (Kellet's 1/f filter) or babble, seeded, at a given RMS level. */
import { fileURLToPath } from 'node:url'
import { readWav } from '../../bench/prerecorded/wav.ts'
import { background } from '../../bench/vad/corpus.ts'

export function noise (kind: 'white' | 'pink', seconds: number, dbfs: number, seed = 1): Float32Array {
  const out = background(kind, Math.round(seconds * 16000), [], seed)
  const gain = 10 ** (dbfs / 20)
  for (let i = 0; i < out.length; i++) out[i] = Math.max(-1, Math.min(1, (out[i] as number) * gain))
  return out
}

/** 16-bit little-endian PCM of 16 kHz mono samples. */
export function toS16 (samples: Float32Array): Buffer {
  const out = Buffer.alloc(samples.length * 2)
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(Math.round(Math.max(-1, Math.min(1, samples[i] as number)) * 32767), i * 2)
  return out
}

/** Pieces laid end to end. */
export function concat (...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}

let jfkClip: Float32Array | undefined
/**
 * Babble: `voices` copies of jfk's 11 s (the fixture) reversed, from seeded random offsets, summed (bench/vad's
 * babble, one speaker): a crowd with speech's spectrum and rhythm and no words, at `dbfs` RMS.
 */
export function babble (seconds: number, dbfs: number, seed = 1, voices = 12): Float32Array {
  jfkClip ??= Float32Array.from(readWav(fileURLToPath(new URL('../fixtures/audio/jfk-full-16k-s16.wav', import.meta.url))).samples, (x) => x / 32768)
  const out = background('babble', Math.round(seconds * 16000), [{ name: 'jfk', samples: jfkClip }], seed, voices)
  const gain = 10 ** (dbfs / 20)
  for (let i = 0; i < out.length; i++) out[i] = Math.max(-1, Math.min(1, (out[i] as number) * gain))
  return out
}

/** RMS level of `samples` in dBFS. */
export const rmsDb = (samples: Float32Array): number => 10 * Math.log10(samples.reduce((a, x) => a + x * x, 0) / Math.max(1, samples.length))

/** `a` with `b` added sample by sample from `at` (b clipped to a's length). */
export function overlay (a: Float32Array, b: Float32Array, at = 0): Float32Array {
  const out = Float32Array.from(a)
  for (let i = 0; i < b.length && at + i < out.length; i++) out[at + i] = Math.max(-1, Math.min(1, (out[at + i] as number) + (b[i] as number)))
  return out
}
