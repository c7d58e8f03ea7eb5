/**
 * 16 kHz → 8 kHz for Silero's 8 kHz branch (silero-runner.ts, `rate: 8000`): a half-band low-pass, then every
 * second sample. A VAD needs no audio-grade resampler (src/audio/resample.ts, 70 taps at this ratio): 31 taps
 * (Blackman-windowed sinc at a quarter of the input rate) keep speech flat to ~3.4 kHz, where the 8 kHz model's
 * telephone-band training data ends, and half of them are zero, so each output sample costs 8 multiplies.
 */
const HALF = 15 // taps each side; odd taps only (the even ones of a half-band filter are zero but the centre)

const TAPS: Float64Array = (() => {
  const taps = new Float64Array(HALF + 1) // taps[k] = h[±k]
  let sum = 0.5
  for (let k = 1; k <= HALF; k += 2) {
    const x = Math.PI * k / 2
    const window = 0.42 + 0.5 * Math.cos(Math.PI * k / (HALF + 1)) + 0.08 * Math.cos(2 * Math.PI * k / (HALF + 1))
    taps[k] = 0.5 * Math.sin(x) / x * window
    sum += 2 * (taps[k] as number)
  }
  for (let k = 1; k <= HALF; k += 2) taps[k] = (taps[k] as number) / sum // unity gain at DC
  taps[0] = 0.5 / sum
  return taps
})()

/** Every second sample of `audio` after the half-band filter (zeros beyond its ends): ceil(length / 2) samples. */
export function decimate2 (audio: Float32Array): Float32Array {
  const n = audio.length
  const out = new Float32Array(Math.ceil(n / 2))
  const t = Array.from(TAPS)
  const [c, t1, t3, t5, t7, t9, t11, t13, t15] = [t[0], t[1], t[3], t[5], t[7], t[9], t[11], t[13], t[15]] as number[]
  // the edges, where taps fall outside the audio
  const edge = (m: number): number => {
    const i = 2 * m
    let acc = (c as number) * (audio[i] as number)
    for (let k = 1; k <= HALF; k += 2) acc += (TAPS[k] as number) * ((i - k >= 0 ? audio[i - k] as number : 0) + (i + k < n ? audio[i + k] as number : 0))
    return acc
  }
  const lo = Math.ceil(HALF / 2)
  const hi = Math.floor((n - 1 - HALF) / 2) // last m with 2m + HALF < n
  for (let m = 0; m < Math.min(lo, out.length); m++) out[m] = edge(m)
  // the interior, unrolled: this loop is most of the 8 kHz branch's cost outside ONNX Runtime
  for (let m = lo, i = 2 * lo; m <= hi; m++, i += 2) {
    out[m] = (c as number) * (audio[i] as number) +
      (t1 as number) * ((audio[i - 1] as number) + (audio[i + 1] as number)) + (t3 as number) * ((audio[i - 3] as number) + (audio[i + 3] as number)) +
      (t5 as number) * ((audio[i - 5] as number) + (audio[i + 5] as number)) + (t7 as number) * ((audio[i - 7] as number) + (audio[i + 7] as number)) +
      (t9 as number) * ((audio[i - 9] as number) + (audio[i + 9] as number)) + (t11 as number) * ((audio[i - 11] as number) + (audio[i + 11] as number)) +
      (t13 as number) * ((audio[i - 13] as number) + (audio[i + 13] as number)) + (t15 as number) * ((audio[i - 15] as number) + (audio[i + 15] as number))
  }
  for (let m = Math.max(lo, hi + 1); m < out.length; m++) out[m] = edge(m)
  return out
}
