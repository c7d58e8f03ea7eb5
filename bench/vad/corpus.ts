// The bench/vad corpus: real speech from ../shared/audio with known non-speech inserted, and a background noise
// mixed over the whole timeline at a chosen SNR, so the truth is known for every 10 ms frame. Deterministic: a
// seeded PRNG, fixed gap lengths, no file written unless asked.
//
// Truth for the clean clips (where exactly a speaker talks inside a clip) is a consensus of two independent
// detectors run on the CLEAN clip: an energy detector (frame level above the clip's own noise floor, gaps under
// 200 ms filled because stop closures and short pauses inside words are speech) and Silero in one sequential
// pass (its own framing, no batching). Frames where both say speech are speech, both say non-speech are non-speech;
// frames they disagree on are marked unknown and never scored. Why it is trustworthy: the clips are studio-quiet
// read speech (LibriVox) and a clean broadcast (jfk), where energy alone is reliable away from word edges; Silero
// settles the edges; the two disagree on only a few percent of frames (printed per run), and those are left out
// rather than guessed. The inserted gaps are exactly known (they are ours), so noise-only truth involves no model.
// Caveat: scoring on clean (silence) audio favours Silero a little, since its own clean decisions shaped the
// truth; the noisy conditions do not have that bias (detectors see the noisy mix, truth came from the clean clip).
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { readWav } from '../prerecorded/wav.ts'
// The project's one seeded PRNG (mulberry32), shared with the audio tests.
import { prng } from '../../test/audio/helpers.ts'

export const RATE = 16000
export const TRUTH_FRAME = 160 // 10 ms
export type Truth = Uint8Array // per 10 ms frame: 0 non-speech, 1 speech, 2 unknown (not scored)
export const NONSPEECH = 0
export const SPEECH = 1
export const UNKNOWN = 2

export interface Clip { name: string, samples: Float32Array }
export type Background = 'silence' | 'white' | 'pink' | 'babble'

export function loadClips (audioDir: string): Clip[] {
  const files = [join(audioDir, 'jfk.wav'), ...readdirSync(join(audioDir, 'librivox')).filter((f) => f.endsWith('.wav')).sort()
    .map((f) => join(audioDir, 'librivox', f))]
  return files.map((f) => {
    const wav = readWav(f)
    if (wav.rate !== RATE || wav.channels !== 1) throw new Error(`${f}: need 16 kHz mono`)
    return { name: f.split('/').at(-1) as string, samples: Float32Array.from(wav.samples, (s) => s / 32768) }
  })
}

const gaussian = (rand: () => number): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())

function frameDb (x: Float32Array, frame: number): Float64Array {
  const n = Math.floor(x.length / frame)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let e = 0
    for (let k = i * frame; k < (i + 1) * frame; k++) e += (x[k] as number) ** 2
    out[i] = 10 * Math.log10(e / frame + 1e-12)
  }
  return out
}

/** Fills runs of `value` shorter than `minRun` frames that lie between two runs of the other value. */
function fillShort (d: Uint8Array, value: number, minRun: number): void {
  let i = 0
  while (i < d.length) {
    if (d[i] !== value) { i++; continue }
    let j = i
    while (j < d.length && d[j] === value) j++
    if (i > 0 && j < d.length && j - i < minRun) d.fill(value === 1 ? 0 : 1, i, j)
    i = j
  }
}

/** Energy speech decisions per 10 ms: above max(floor + 12 dB, peak − 45 dB), 200 ms gaps filled, < 50 ms blips removed. */
export function energySpeech (x: Float32Array): Uint8Array {
  const db = frameDb(x, TRUTH_FRAME)
  const sorted = Float64Array.from(db).sort()
  const floor = sorted[Math.floor(0.1 * sorted.length)] as number
  const peak = sorted[Math.floor(0.99 * sorted.length)] as number
  const thr = Math.max(floor + 12, peak - 45)
  const d = Uint8Array.from(db, (v) => (v > thr ? 1 : 0))
  fillShort(d, 0, 20)
  fillShort(d, 1, 5)
  return d
}

/** Probabilities per `frame` samples → decisions per 10 ms frame (the window holding each frame's middle). */
export function toTruthGrid (probs: ArrayLike<number>, frame: number, frames: number, threshold = 0.5): Uint8Array {
  const out = new Uint8Array(frames)
  for (let i = 0; i < frames; i++) {
    const w = Math.floor((i * TRUTH_FRAME + TRUTH_FRAME / 2) / frame)
    out[i] = w < probs.length && (probs[w] as number) >= threshold ? 1 : 0
  }
  return out
}

/** Consensus truth for a clean clip from the energy detector and Silero's clean probabilities (512-sample windows). */
export function cleanTruth (clip: Float32Array, sileroProbs: ArrayLike<number>): { truth: Truth, agreement: number } {
  const e = energySpeech(clip)
  const s = toTruthGrid(sileroProbs, 512, e.length)
  fillShort(s, 0, 20)
  const truth = new Uint8Array(e.length)
  let agree = 0
  for (let i = 0; i < e.length; i++) {
    if (e[i] === s[i]) { truth[i] = e[i] as number; agree++ } else truth[i] = UNKNOWN
  }
  return { truth, agreement: agree / Math.max(1, e.length) }
}

/** Non-speech inserted before each clip and after the last, seconds (known positions). */
export const GAPS = [2, 1, 3, 0.5, 4, 2, 5]

export interface Layout {
  /** the clean speech timeline (zeros in the gaps) */
  speech: Float32Array
  truth: Truth
  /** 1 for 10 ms frames inside an inserted gap (pure background) */
  gap: Uint8Array
}

export function layout (clips: Clip[], truths: Truth[]): Layout {
  const gapSamples = (i: number): number => Math.round((GAPS[i % GAPS.length] as number) * RATE / TRUTH_FRAME) * TRUTH_FRAME
  const clipLen = (c: Clip): number => Math.floor(c.samples.length / TRUTH_FRAME) * TRUTH_FRAME
  let total = gapSamples(clips.length)
  clips.forEach((c, i) => { total += gapSamples(i) + clipLen(c) })
  const speech = new Float32Array(total)
  const truth = new Uint8Array(total / TRUTH_FRAME)
  const gap = new Uint8Array(total / TRUTH_FRAME)
  let at = 0
  clips.forEach((c, i) => {
    const g = gapSamples(i)
    gap.fill(1, at / TRUTH_FRAME, (at + g) / TRUTH_FRAME)
    at += g
    speech.set(c.samples.subarray(0, clipLen(c)), at)
    truth.set((truths[i] as Truth).subarray(0, clipLen(c) / TRUTH_FRAME), at / TRUTH_FRAME)
    at += clipLen(c)
  })
  gap.fill(1, at / TRUTH_FRAME)
  return { speech, truth, gap }
}

/**
 * Background noise of `length` samples, unit RMS.
 * - white: Gaussian.
 * - pink: white through Paul Kellet's refined 1/f filter (−3 dB/octave, within 0.05 dB above 10 Hz).
 * - babble: every clip reversed (no intelligible words, speech's spectrum and syllable rhythm kept), each looped
 *   from random offsets, all summed: by default a crowd of 18 voices (6 speakers, 3 each) in which no single voice
 *   stands out; `voices` spreads another count over the clips (the first clips get one more when it does not divide).
 */
export function background (kind: Background, length: number, clips: Clip[], seed: number, voices = 18): Float32Array {
  const rand = prng(seed)
  const out = new Float32Array(length)
  if (kind === 'silence') return out
  if (kind === 'white') for (let i = 0; i < length; i++) out[i] = gaussian(rand)
  if (kind === 'pink') {
    let b0 = 0; let b1 = 0; let b2 = 0; let b3 = 0; let b4 = 0; let b5 = 0; let b6 = 0
    for (let i = 0; i < length; i++) {
      const w = gaussian(rand)
      b0 = 0.99886 * b0 + w * 0.0555179; b1 = 0.99332 * b1 + w * 0.0750759; b2 = 0.96900 * b2 + w * 0.1538520
      b3 = 0.86650 * b3 + w * 0.3104856; b4 = 0.55000 * b4 + w * 0.5329522; b5 = -0.7616 * b5 - w * 0.0168980
      out[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362
      b6 = w * 0.115926
    }
  }
  if (kind === 'babble') {
    for (const [ci, c] of clips.entries()) {
      const rev = Float32Array.from(c.samples).reverse()
      const perClip = Math.floor(voices / clips.length) + (ci < voices % clips.length ? 1 : 0)
      for (let voice = 0; voice < perClip; voice++) {
        let k = Math.floor(rand() * rev.length)
        for (let i = 0; i < length; i++) { out[i] = (out[i] as number) + (rev[k] as number); k = (k + 1) % rev.length }
      }
    }
  }
  let p = 0
  for (let i = 0; i < length; i++) p += (out[i] as number) ** 2
  const scale = 1 / Math.sqrt(p / length || 1)
  for (let i = 0; i < length; i++) out[i] = (out[i] as number) * scale
  return out
}

/** Speech power over truth-speech frames (the SNR reference: active speech, not the whole timeline). */
export function activeSpeechPower (l: Layout): number {
  let p = 0
  let n = 0
  for (let f = 0; f < l.truth.length; f++) {
    if (l.truth[f] !== SPEECH) continue
    for (let k = f * TRUTH_FRAME; k < (f + 1) * TRUTH_FRAME; k++) p += (l.speech[k] as number) ** 2
    n += TRUTH_FRAME
  }
  return p / Math.max(1, n)
}

/** The timeline with `noise` (unit RMS) mixed in at `snrDb` below the active speech level. */
export function mix (l: Layout, noise: Float32Array, snrDb: number): Float32Array {
  const gain = Math.sqrt(activeSpeechPower(l) / 10 ** (snrDb / 10))
  const out = new Float32Array(l.speech.length)
  for (let i = 0; i < out.length; i++) out[i] = Math.max(-1, Math.min(1, (l.speech[i] as number) + gain * (noise[i] as number)))
  return out
}
