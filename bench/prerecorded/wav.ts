// Minimal PCM16 WAV reading/writing for the benchmark inputs (16 kHz mono, what both whisper.cpp's CLI and the
// server take without resampling).
import { readFileSync, writeFileSync } from 'node:fs'

export const RATE = 16000

export interface Pcm16 { rate: number, channels: number, samples: Int16Array }

/** Parses a RIFF/WAVE file with 16-bit PCM data (walks the chunks: LIST etc. are skipped). */
export function readWav (path: string): Pcm16 {
  const buf = readFileSync(path)
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new Error(`${path}: not a WAV file`)
  let rate = 0
  let channels = 0
  let bits = 0
  for (let off = 12; off + 8 <= buf.length;) {
    const id = buf.toString('ascii', off, off + 4)
    const size = buf.readUInt32LE(off + 4)
    const body = off + 8
    if (id === 'fmt ') {
      const format = buf.readUInt16LE(body)
      channels = buf.readUInt16LE(body + 2)
      rate = buf.readUInt32LE(body + 4)
      bits = buf.readUInt16LE(body + 14)
      if (format !== 1 || bits !== 16) throw new Error(`${path}: only 16-bit PCM WAV is supported (format ${format}, ${bits} bits)`)
    } else if (id === 'data') {
      if (rate === 0) throw new Error(`${path}: data chunk before fmt chunk`)
      const end = Math.min(buf.length, body + size)
      const n = Math.floor((end - body) / 2)
      const samples = new Int16Array(n)
      for (let i = 0; i < n; i++) samples[i] = buf.readInt16LE(body + 2 * i)
      return { rate, channels, samples }
    }
    off = body + size + (size & 1)
  }
  throw new Error(`${path}: no data chunk`)
}

/** A canonical 44-byte-header PCM16 mono WAV. */
export function wavBytes (samples: Int16Array, rate = RATE): Buffer {
  const data = samples.length * 2
  const out = Buffer.alloc(44 + data)
  out.write('RIFF', 0, 'ascii')
  out.writeUInt32LE(36 + data, 4)
  out.write('WAVE', 8, 'ascii')
  out.write('fmt ', 12, 'ascii')
  out.writeUInt32LE(16, 16)
  out.writeUInt16LE(1, 20) // PCM
  out.writeUInt16LE(1, 22) // mono
  out.writeUInt32LE(rate, 24)
  out.writeUInt32LE(rate * 2, 28)
  out.writeUInt16LE(2, 32)
  out.writeUInt16LE(16, 34)
  out.write('data', 36, 'ascii')
  out.writeUInt32LE(data, 40)
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i] as number, 44 + 2 * i)
  return out
}

export function writeWav (path: string, samples: Int16Array, rate = RATE): void {
  writeFileSync(path, wavBytes(samples, rate))
}

export interface Clip { name: string, source: string, offsetSeconds: number, samples: Int16Array }

/**
 * `count` clips of `seconds` each, taken round robin from the sources (one window per source per turn, each
 * source's windows advancing by `hop` seconds), so consecutive clips come from different speakers/recordings.
 * A window may end up to 0.5 s past a source's end: that tail is zero-padded to the exact clip length.
 */
export function cutClips (sources: Array<{ name: string, pcm: Pcm16 }>, count: number, seconds = 3, hop = 1): Clip[] {
  const len = Math.round(seconds * RATE)
  const windows = sources.map(({ name, pcm }) => {
    if (pcm.rate !== RATE || pcm.channels !== 1) throw new Error(`${name}: expected ${RATE} Hz mono, got ${pcm.rate} Hz x${pcm.channels}`)
    const starts: number[] = []
    for (let s = 0; s + len - 0.5 * RATE <= pcm.samples.length; s += Math.round(hop * RATE)) starts.push(s)
    return { name, pcm, starts }
  })
  const clips: Clip[] = []
  for (let turn = 0; clips.length < count; turn++) {
    let any = false
    for (const w of windows) {
      const start = w.starts[turn]
      if (start === undefined || clips.length >= count) continue
      any = true
      const samples = new Int16Array(len)
      samples.set(w.pcm.samples.subarray(start, Math.min(start + len, w.pcm.samples.length)))
      clips.push({ name: `${w.name}@${(start / RATE).toFixed(1)}s`, source: w.name, offsetSeconds: start / RATE, samples })
    }
    if (!any) throw new Error(`only ${clips.length} clips of ${seconds} s fit in the sources (wanted ${count})`)
  }
  return clips
}
