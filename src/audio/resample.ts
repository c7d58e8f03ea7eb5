/**
 * Streaming band-limited resampler (Kaiser-windowed sinc, polyphase).
 *
 * Why hand-written rather than a package: the npm options are either WASM ports needing async init and a new
 * dependency (libsamplerate-js, speex-resampler) or small JS libraries that only do linear/cubic interpolation or
 * work on whole buffers. Whisper only ever needs "anything -> 16 kHz", which a polyphase windowed-sinc filter
 * handles in ~150 lines with quality well beyond what ASR can hear, and doing it chunk by chunk lets the decoder
 * keep only 16 kHz output in memory instead of the whole source-rate signal.
 *
 * Quality choices: the cutoff sits at 92 % of the lower Nyquist with 16 zero crossings per side and a Kaiser
 * window (beta 8, roughly -80 dB side lobes), so 48k -> 16k keeps speech up to ~6 kHz flat and folds nothing
 * audible back below 8 kHz. Every phase is normalised to unity DC gain so silence and offsets survive exactly.
 */

const ROLLOFF = 0.92
const ZERO_CROSSINGS = 16
const KAISER_BETA = 8
/** Rational ratios with more phases than this (odd rates like 44101 Hz) use the nearest of this many phases. */
const MAX_PHASES = 2048

const gcd = (a: number, b: number): number => {
  while (b !== 0) [a, b] = [b, a % b]
  return a
}

/** Zeroth-order modified Bessel function of the first kind (series), for the Kaiser window. */
function besselI0 (x: number): number {
  let sum = 1
  let term = 1
  const q = (x * x) / 4
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k)
    sum += term
    if (term < sum * 1e-12) break
  }
  return sum
}

interface Kernel {
  /** taps per side: output n reads input indices [i - half + 1, i + half] */
  half: number
  phases: number
  /** phases * 2*half coefficients, phase-major */
  table: Float32Array
}

/** Kernels by ratio. Bounded: raw uploads choose their own sample_rate, and an odd high rate costs megabytes. */
const kernelCache = new Map<string, Kernel>()
const KERNEL_CACHE_SIZE = 8

function buildKernel (up: number, down: number): Kernel {
  const key = `${up}/${down}`
  const cached = kernelCache.get(key)
  if (cached !== undefined) return cached
  // Cutoff as a fraction of the input Nyquist: when decimating it must also sit below the output Nyquist.
  const fc = Math.min(1, up / down) * ROLLOFF
  const half = Math.ceil(ZERO_CROSSINGS / fc)
  const phases = Math.min(up, MAX_PHASES)
  const taps = 2 * half
  const table = new Float32Array(phases * taps)
  const i0Beta = besselI0(KAISER_BETA)
  for (let p = 0; p < phases; p++) {
    const frac = p / phases
    let sum = 0
    for (let j = 0; j < taps; j++) {
      const d = j - half + 1 - frac
      const r = d / half
      const win = r * r >= 1 ? 0 : besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / i0Beta
      const x = Math.PI * fc * d
      const v = (x === 0 ? 1 : Math.sin(x) / x) * win
      table[p * taps + j] = v
      sum += v
    }
    for (let j = 0; j < taps; j++) table[p * taps + j] = table[p * taps + j]! / sum
  }
  const kernel = { half, phases, table }
  if (kernelCache.size >= KERNEL_CACHE_SIZE) kernelCache.delete(kernelCache.keys().next().value!)
  kernelCache.set(key, kernel)
  return kernel
}

/**
 * One channel of streaming rate conversion. `push` returns every output sample that can already be computed;
 * `end` zero-pads the tail and returns the rest, for a total of ceil(inputLength * outRate / inRate) samples.
 * Non-finite input (NaN/Infinity from a corrupt float stream) is replaced by 0 so it cannot smear through the
 * filter into the whole output.
 */
export class Resampler {
  readonly inRate: number
  readonly outRate: number
  private readonly up: number
  private readonly down: number
  private readonly kernel: Kernel | undefined
  /** Input samples not yet consumed; pending[0] is absolute input index `pendingStart`. */
  private pending: Float32Array
  private pendingStart: number
  private totalIn = 0
  private nextOut = 0
  private ended = false

  constructor (inRate: number, outRate: number) {
    if (!Number.isInteger(inRate) || !Number.isInteger(outRate) || inRate <= 0 || outRate <= 0) {
      throw new RangeError(`invalid resampling rates ${inRate} -> ${outRate}`)
    }
    this.inRate = inRate
    this.outRate = outRate
    const g = gcd(inRate, outRate)
    this.up = outRate / g
    this.down = inRate / g
    if (inRate !== outRate) {
      this.kernel = buildKernel(this.up, this.down)
      // Leading zeros stand in for the signal before t=0, so the first outputs need no special case.
      this.pending = new Float32Array(this.kernel.half)
      this.pendingStart = -this.kernel.half
    } else {
      this.pending = new Float32Array(0)
      this.pendingStart = 0
    }
  }

  /** An independent copy carrying the same history (used when a mono stream turns out to be stereo). */
  clone (): Resampler {
    const copy = new Resampler(this.inRate, this.outRate)
    copy.pending = this.pending.slice()
    copy.pendingStart = this.pendingStart
    copy.totalIn = this.totalIn
    copy.nextOut = this.nextOut
    copy.ended = this.ended
    return copy
  }

  push (input: Float32Array): Float32Array {
    if (this.ended) throw new Error('Resampler already ended')
    if (this.kernel === undefined) {
      this.totalIn += input.length
      return sanitizedCopy(input)
    }
    const work = new Float32Array(this.pending.length + input.length)
    work.set(this.pending)
    copySanitized(input, work, this.pending.length)
    this.totalIn += input.length
    return this.run(work, this.totalIn)
  }

  end (): Float32Array {
    if (this.ended) return new Float32Array(0)
    this.ended = true
    if (this.kernel === undefined) return new Float32Array(0)
    const work = new Float32Array(this.pending.length + 2 * this.kernel.half)
    work.set(this.pending)
    const limit = Math.ceil((this.totalIn * this.up) / this.down)
    return this.run(work, Number.POSITIVE_INFINITY, limit)
  }

  /**
   * Computes outputs whose whole filter span lies inside `work` (absolute indices pendingStart..) and below
   * `available`, up to `limit` outputs in total; keeps the input still needed by the next output as `pending`.
   */
  private run (work: Float32Array, available: number, limit = Number.POSITIVE_INFINITY): Float32Array {
    const { half, phases, table } = this.kernel!
    const taps = 2 * half
    const { up, down } = this
    const start = this.pendingStart
    const workEnd = start + work.length
    const reach = Math.min(available, workEnd) - half
    const bound = Math.max(0, Math.min(limit, Math.floor(((reach + 1) * up) / down) + 1) - this.nextOut)
    const out = new Float32Array(bound)
    let n = this.nextOut
    for (;;) {
      if (n >= limit || n - this.nextOut >= bound) break
      const pos = n * down
      let i = Math.floor(pos / up)
      let p = Math.round(((pos - i * up) / up) * phases)
      if (p === phases) { p = 0; i++ }
      const last = i + half
      if (last >= available || last >= workEnd) break
      const base = i - half + 1 - start
      const off = p * taps
      let acc = 0
      for (let j = 0; j < taps; j++) acc += work[base + j]! * table[off + j]!
      out[n - this.nextOut] = acc
      n++
    }
    const produced = n - this.nextOut
    this.nextOut = n
    // The next output's span starts at floor(n*down/up) - half + 1 (phase rounding can only move it later).
    const keepFrom = Math.max(start, Math.floor((n * down) / up) - half + 1)
    this.pending = work.slice(keepFrom - start)
    this.pendingStart = keepFrom
    return out.subarray(0, produced)
  }
}

function copySanitized (src: Float32Array, dst: Float32Array, offset: number): void {
  dst.set(src, offset)
  for (let k = offset; k < offset + src.length; k++) {
    if (!Number.isFinite(dst[k]!)) dst[k] = 0
  }
}

function sanitizedCopy (src: Float32Array): Float32Array {
  const out = new Float32Array(src.length)
  copySanitized(src, out, 0)
  return out
}

/** Whole-buffer convenience over the streaming Resampler. */
export function resample (input: Float32Array, inRate: number, outRate: number): Float32Array {
  const r = new Resampler(inRate, outRate)
  return concatFloat32([r.push(input), r.end()])
}

export function concatFloat32 (parts: Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0]!
  let total = 0
  for (const p of parts) total += p.length
  const out = new Float32Array(total)
  let o = 0
  for (const p of parts) { out.set(p, o); o += p.length }
  return out
}
