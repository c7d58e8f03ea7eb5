/** Deterministic noise for VAD tests: white or pink (Kellet's 1/f filter), seeded, at a given RMS level. */
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
