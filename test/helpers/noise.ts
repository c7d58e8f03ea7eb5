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

/** A 16 kHz mono 16-bit WAV file of the samples. */
export function wav16k (samples: Float32Array): Buffer {
  const data = toS16(samples)
  const h = Buffer.alloc(44)
  h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8); h.write('fmt ', 12)
  h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22); h.writeUInt32LE(16000, 24)
  h.writeUInt32LE(32000, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34); h.write('data', 36); h.writeUInt32LE(data.length, 40)
  return Buffer.concat([h, data])
}

/** Pieces laid end to end. */
export function concat (...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}
