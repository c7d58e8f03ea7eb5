/** Audio helpers shared by the live tests, core and protocols (fixtures only: tests never read ../shared). */
import { readFileSync } from 'node:fs'

export const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/audio/${name}`, import.meta.url))

/** The PCM payload of a WAV file (its `data` chunk) and its format. */
export function wavData (wav: Uint8Array): { data: Buffer, sampleRate: number, channels: number } {
  const b = Buffer.from(wav.buffer, wav.byteOffset, wav.byteLength)
  let sampleRate = 0
  let channels = 0
  for (let off = 12; off + 8 <= b.length;) {
    const id = b.toString('ascii', off, off + 4)
    const size = b.readUInt32LE(off + 4)
    if (id === 'fmt ') {
      channels = b.readUInt16LE(off + 10)
      sampleRate = b.readUInt32LE(off + 12)
    }
    if (id === 'data') return { data: b.subarray(off + 8, off + 8 + size), sampleRate, channels }
    off += 8 + size + (size & 1)
  }
  throw new Error('no data chunk')
}

/** s16le silence (digital zeros) at 16 kHz. */
export const silence16k = (seconds: number): Buffer => Buffer.alloc(Math.round(seconds * 16000) * 2)

/** `seconds` of speech-free s16le noise at 16 kHz, about -60 dBFS: a quiet room. */
export function quietNoise16k (seconds: number, seed = 7): Buffer {
  const out = Buffer.alloc(Math.round(seconds * 16000) * 2)
  let s = seed
  for (let i = 0; i < out.length / 2; i++) {
    s = (s * 1103515245 + 12345) >>> 0
    out.writeInt16LE(Math.round(((s / 4294967296) - 0.5) * 64), i * 2)
  }
  return out
}

/** 2 s of "And so my fellow Americans" (16 kHz s16le), speech from its first sample. */
export const jfkSpeech16k = (): Buffer => wavData(fixture('jfk-16k-s16.wav')).data

/** Splits bytes into chunks of `size` (the last one shorter). */
export function chunks (bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let off = 0; off < bytes.length; off += size) out.push(bytes.subarray(off, off + size))
  return out
}
