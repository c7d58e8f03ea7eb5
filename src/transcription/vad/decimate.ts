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
  const centre = TAPS[0] as number
  for (let m = 0; m < out.length; m++) {
    const i = 2 * m
    let acc = centre * (audio[i] as number)
    if (i >= HALF && i + HALF < n) {
      for (let k = 1; k <= HALF; k += 2) acc += (TAPS[k] as number) * ((audio[i - k] as number) + (audio[i + k] as number))
    } else {
      for (let k = 1; k <= HALF; k += 2) acc += (TAPS[k] as number) * ((i - k >= 0 ? audio[i - k] as number : 0) + (i + k < n ? audio[i + k] as number : 0))
    }
    out[m] = acc
  }
  return out
}
