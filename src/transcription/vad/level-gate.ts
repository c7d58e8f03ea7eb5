/**
 * Level gate: speech must stand out from the background by a margin in dB before Silero's speech counts.
 *
 * Silero is a voice detector, so a crowd of talkers behind the foreground (babble) is speech to it. What tells the
 * foreground apart is level: the background is what remains in the pauses between the foreground's words. The
 * background floor is tracked in the manner of minimum statistics (the classic noise-floor estimate of speech
 * enhancement), with a low percentile instead of the minimum: the 10th percentile, over 8 s, of a short-term
 * (160 ms) frame level. The percentile sits near a babble's typical level where its minimum sits in its rare deep
 * dips (measured: the minimum let far more babble through for the same recall), and on stationary noise both are
 * the noise. A frame is *loud* when its level is at least `minSnrDb` above that floor; Silero's probability is kept
 * only near loud frames (a little before them and a hangover after them, for soft onsets and word tails) and is
 * zero elsewhere. So a stretch of babble alone, which seldom rises that far above its own typical level, gives no
 * region; speech, whose floor is its own pauses (or the babble in them), keeps its regions with Silero's own edges.
 *
 * Two shapes: `levelMask` for files (the floor looks both ways, centred on the frame) and `LevelGate` for live
 * streams (causal: the floor is the past horizon only, and a frame is decided as soon as it is scored, so an
 * utterance start never waits for the floor). Both share the frame level, the smoothing and the sliding percentile.
 *
 * Levels are mean power per frame in dB, with digital silence floored at LEVEL_FLOOR_DB (no -Infinity): a
 * digitally silent floor makes any speech loud, and silence itself is never loud (0 dB above itself).
 */

import { SILERO_FRAME_SAMPLES } from './settings.ts'

/** Level of digital silence, dBFS: mean power is floored at 1e-10 so log10 never sees 0. */
export const LEVEL_FLOOR_DB = -100

export interface LevelGateParams {
  /** Short-term level: mean power over this long (centred for files, trailing live). */
  smoothMs: number
  /** The floor is a low percentile of the short-term level over this long (files: centred; live: the past). */
  horizonMs: number
  /** Which percentile (0 = the minimum). */
  floorPercentile: number
  /** Speech still counts this long before a loud frame (files only: live cannot look ahead; its pre-roll does). */
  leadMs: number
  /** Speech still counts this long after a loud frame (word tails, pauses inside a phrase). */
  hangoverMs: number
}

/** Chosen with bench/vad (docs/decisions/003-babble-level-gate.md). */
export const LEVEL_GATE_PARAMS: Readonly<LevelGateParams> = { smoothMs: 160, horizonMs: 8000, floorPercentile: 0.1, leadMs: 96, hangoverMs: 224 }

interface FrameParams { smooth: number, horizon: number, lead: number, hangover: number }
/** The params in frames of `frameSamples` at 16 kHz (at least one frame each for smoothing and horizon). */
function inFrames (p: LevelGateParams, frameSamples: number): FrameParams {
  const frames = (ms: number): number => Math.round(ms * 16 / frameSamples)
  return { smooth: Math.max(1, frames(p.smoothMs)), horizon: Math.max(1, frames(p.horizonMs)), lead: frames(p.leadMs), hangover: frames(p.hangoverMs) }
}

/** Mean power of `samples`, floored so that its level is never below LEVEL_FLOOR_DB. */
export function meanPower (samples: ArrayLike<number>, from = 0, to = samples.length): number {
  let e = 0
  for (let k = from; k < to; k++) e += (samples[k] as number) ** 2
  return Math.max(e / Math.max(1, to - from), 10 ** (LEVEL_FLOOR_DB / 10))
}

const toDb = (power: number): number => 10 * Math.log10(power)

/**
 * A percentile of a window of values that is pushed at one end and shifted at the other (oldest first): kept
 * sorted, so each step is a binary search and one splice (the window is a few hundred values).
 */
export class SlidingPercentile {
  private readonly fifo: number[] = []
  private head = 0
  private readonly sorted: number[] = []

  private readonly q: number
  constructor (q: number) {
    this.q = q
  }

  get size (): number { return this.fifo.length - this.head }

  push (value: number): void {
    this.fifo.push(value)
    this.sorted.splice(this.lowerBound(value), 0, value)
  }

  /** Drops the oldest value. */
  shift (): void {
    if (this.size === 0) return
    const value = this.fifo[this.head++] as number
    this.sorted.splice(this.lowerBound(value), 1)
    if (this.head > 1024 && this.head * 2 > this.fifo.length) { this.fifo.splice(0, this.head); this.head = 0 }
  }

  /** The q-th percentile (nearest rank below); Infinity when empty. */
  get value (): number {
    return this.sorted.length === 0 ? Number.POSITIVE_INFINITY : this.sorted[Math.floor(this.q * (this.sorted.length - 1))] as number
  }

  private lowerBound (value: number): number {
    let lo = 0
    let hi = this.sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.sorted[mid] as number) < value) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

/**
 * Files: per frame of `frameSamples`, whether Silero's speech may count there (1) or not (0). `frames` frames from
 * the start of `audio` (the last may be partial; frames past the audio's end are 0).
 */
export function levelMask (audio: Float32Array, frames: number, minSnrDb: number, frameSamples: number,
  params: LevelGateParams = LEVEL_GATE_PARAMS): Uint8Array {
  const p = inFrames(params, frameSamples)
  const n = Math.min(frames, Math.ceil(audio.length / frameSamples))
  const power = new Float64Array(n)
  for (let i = 0; i < n; i++) power[i] = meanPower(audio, i * frameSamples, Math.min(audio.length, (i + 1) * frameSamples))
  const half = Math.floor(p.smooth / 2)
  const level = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let sum = 0
    const lo = Math.max(0, i - half)
    const hi = Math.min(n - 1, i + half)
    for (let j = lo; j <= hi; j++) sum += power[j] as number
    level[i] = toDb(sum / (hi - lo + 1))
  }
  // floor at i: the percentile over frames [i - half, i + half]
  const reach = Math.floor(p.horizon / 2)
  const floor = new SlidingPercentile(params.floorPercentile)
  let fed = 0
  let oldest = 0
  const loud = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    while (fed < n && fed <= i + reach) floor.push(level[fed++] as number)
    while (oldest < i - reach) { floor.shift(); oldest++ }
    if ((level[i] as number) >= floor.value + minSnrDb) loud[i] = 1
  }
  const mask = new Uint8Array(frames)
  let lastLoud = Number.NEGATIVE_INFINITY
  let nextLoud = 0
  for (let i = 0; i < n; i++) {
    if (loud[i] === 1) lastLoud = i
    if (nextLoud < i) nextLoud = i
    while (nextLoud < n && loud[nextLoud] !== 1) nextLoud++
    if (i - lastLoud <= p.hangover || (nextLoud < n && nextLoud - i <= p.lead)) mask[i] = 1
  }
  return mask
}

/** Silero's probabilities with every frame the level gate rules out set to 0. `minSnrDb` <= 0: unchanged. */
export function gateProbabilities (probs: ArrayLike<number>, audio: Float32Array, minSnrDb: number, frameSamples: number,
  params: LevelGateParams = LEVEL_GATE_PARAMS): ArrayLike<number> {
  if (!(minSnrDb > 0)) return probs
  const mask = levelMask(audio, probs.length, minSnrDb, frameSamples, params)
  return Float32Array.from(probs, (p, i) => (mask[i] === 1 ? p : 0))
}

/**
 * Live streams: the same gate, causal. Push each frame's samples as it is scored; the answer (may Silero's speech
 * count for this frame?) uses only this frame and the past: the short-term level trails, the floor is the minimum
 * over the past horizon (at a stream's start, over what has been seen, which is above the true floor, so the gate
 * then errs towards silence only until the first pause), and the hangover follows the last loud frame.
 */
export class LevelGate {
  private readonly recent: number[] = []
  private readonly p: FrameParams
  private floor: SlidingPercentile
  private sinceLoud = Number.POSITIVE_INFINITY

  private readonly minSnrDb: number
  private readonly params: LevelGateParams
  constructor (minSnrDb: number, frameSamples = SILERO_FRAME_SAMPLES, params: LevelGateParams = LEVEL_GATE_PARAMS) {
    this.minSnrDb = minSnrDb
    this.params = params
    this.p = inFrames(params, frameSamples)
    this.floor = new SlidingPercentile(params.floorPercentile)
  }

  /** One frame's samples, in stream order: may Silero's speech count for it? (Always, with the gate off.) */
  push (frame: ArrayLike<number>): boolean {
    if (!(this.minSnrDb > 0)) return true
    this.recent.push(meanPower(frame))
    if (this.recent.length > this.p.smooth) this.recent.shift()
    const level = toDb(this.recent.reduce((a, b) => a + b, 0) / this.recent.length)
    this.floor.push(level)
    if (this.floor.size > this.p.horizon) this.floor.shift()
    this.sinceLoud = level >= this.floor.value + this.minSnrDb ? 0 : this.sinceLoud + 1
    return this.sinceLoud <= this.p.hangover
  }

  reset (): void {
    this.recent.length = 0
    this.floor = new SlidingPercentile(this.params.floorPercentile)
    this.sinceLoud = Number.POSITIVE_INFINITY
  }
}

/** Files scored as the live path scores them: `gateProbabilities` with the causal LevelGate (bench/vad's live row). */
export function gateProbabilitiesCausal (probs: ArrayLike<number>, audio: Float32Array, minSnrDb: number, frameSamples: number,
  params: LevelGateParams = LEVEL_GATE_PARAMS): ArrayLike<number> {
  if (!(minSnrDb > 0)) return probs
  const gate = new LevelGate(minSnrDb, frameSamples, params)
  return Float32Array.from(probs, (p, i) => (gate.push(audio.subarray(i * frameSamples, (i + 1) * frameSamples)) ? p : 0))
}
