/**
 * Joins speech regions into decode windows: each window is at most whisper's 30 s, holds whole regions laid end to
 * end with a short silence between them (so whisper hears a pause where audio was skipped, not a word glued to the
 * next), and carries the TimeMap that sends its times back to the original audio. A region longer than a window
 * is split at its least likely frame near the window's end (a pause inside the speech), or cut hard when no
 * probabilities are given.
 */
import type { Region } from './regions.ts'
import { SILERO_FRAME_SAMPLES, VAD_SAMPLE_RATE } from './settings.ts'
import { TimeMap, type Piece } from './time-map.ts'

export interface WindowOptions {
  /** Longest joined audio per window (default 30 s: whisper's encoder window). */
  maxSamples?: number
  /** Silence inserted between two regions in one window (default 0.1 s, like whisper.cpp's VAD path). */
  gapSamples?: number
  /** Per-frame probabilities the regions came from: lets an over-long region be split at a pause. */
  probs?: ArrayLike<number>
  frameSamples?: number
}

export interface DecodeWindow {
  /** The original-audio spans decoded in this window, in order. */
  regions: Region[]
  /** Length of the joined audio, in samples (regions plus gaps). */
  samples: number
  /** Joined-audio time → original-audio time. */
  map: TimeMap
}

/** The window's audio: its regions copied out of `audio`, separated by zeros. */
export function joinAudio (window: DecodeWindow, audio: Float32Array): Float32Array {
  const out = new Float32Array(window.samples)
  for (const p of window.map.pieces) out.set(audio.subarray(p.sourceStart, p.sourceStart + p.length), p.joinedStart)
  return out
}

export function decodeWindows (regions: readonly Region[], options: WindowOptions = {}): DecodeWindow[] {
  const max = options.maxSamples ?? 30 * VAD_SAMPLE_RATE
  const gap = options.gapSamples ?? Math.round(0.1 * VAD_SAMPLE_RATE)
  if (max <= 0 || gap < 0 || gap >= max) throw new RangeError('decodeWindows: need 0 <= gapSamples < maxSamples')

  const pieces = regions.flatMap((r) => splitLong(r, max, options))
  const windows: DecodeWindow[] = []
  let current: Region[] = []
  let length = 0
  const flush = (): void => {
    if (current.length === 0) return
    const mapped: Piece[] = []
    let at = 0
    for (const r of current) {
      if (mapped.length > 0) at += gap
      mapped.push({ joinedStart: at, sourceStart: r.start, length: r.end - r.start })
      at += r.end - r.start
    }
    windows.push({ regions: current, samples: at, map: new TimeMap(mapped) })
    current = []
    length = 0
  }
  for (const r of pieces) {
    const cost = (current.length > 0 ? gap : 0) + (r.end - r.start)
    if (length + cost > max) flush()
    length += (current.length > 0 ? gap : 0) + (r.end - r.start)
    current.push(r)
  }
  flush()
  return windows
}

function splitLong (region: Region, max: number, options: WindowOptions): Region[] {
  const out: Region[] = []
  const frame = options.frameSamples ?? SILERO_FRAME_SAMPLES
  let start = region.start
  while (region.end - start > max) {
    let cut = start + max
    const probs = options.probs
    if (probs !== undefined) {
      // least likely frame boundary in the last third of the allowed span
      let best = Number.POSITIVE_INFINITY
      const first = Math.ceil((start + (2 * max) / 3) / frame)
      const last = Math.floor((start + max) / frame) - 1
      for (let i = first; i <= last && i < probs.length; i++) {
        const p = probs[i] as number
        if (p < best) { best = p; cut = i * frame }
      }
    }
    out.push({ start, end: cut })
    start = cut
  }
  if (region.end > start) out.push({ start, end: region.end })
  return out
}
