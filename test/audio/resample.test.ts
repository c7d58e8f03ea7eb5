import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { concatFloat32, resample, Resampler } from '../../src/audio/resample.ts'
import { maxAbsDiff, near, prng, rms, sine, zeroCrossings } from './helpers.ts'

const OUT = 16000
// Skip the filter's start-up/tail region when measuring (the sinc kernel spans < 60 input samples).
const EDGE = 400

describe('Resampler', () => {
  for (const rate of [8000, 11025, 22050, 44100, 48000, 7999]) {
    it(`${rate} Hz -> 16 kHz keeps duration and a 1 kHz sine's frequency and level`, () => {
      const input = sine(1000, rate, 2)
      const out = resample(input, rate, OUT)
      assert.equal(out.length, Math.ceil(input.length * OUT / rate))
      const seconds = (out.length - 2 * EDGE) / OUT
      near(zeroCrossings(out, EDGE, out.length - EDGE), 2 * 1000 * seconds, 0.01, 'zero crossings')
      near(rms(out, EDGE, out.length - EDGE), 0.5 / Math.SQRT2, 0.01, 'rms')
    })
  }

  it('16 kHz input is passed through unchanged', () => {
    const input = sine(440, OUT, 0.5)
    assert.deepEqual(resample(input, OUT, OUT), input)
  })

  it('removes content above the new Nyquist instead of aliasing it', () => {
    // 11 kHz at 48k would fold to 5 kHz and 9 kHz at 44.1k to 7 kHz: both must vanish, not move.
    for (const [freq, rate] of [[11000, 48000], [9000, 44100], [12000, 32000]] as const) {
      const out = resample(sine(freq, rate, 1), rate, OUT)
      assert.ok(rms(out, EDGE, out.length - EDGE) < 0.005, `${freq} Hz at ${rate}: rms ${rms(out, EDGE, out.length - EDGE)}`)
    }
  })

  it('keeps the speech band flat', () => {
    for (const freq of [100, 3000, 6000]) {
      const out = resample(sine(freq, 48000, 1), 48000, OUT)
      near(rms(out, EDGE, out.length - EDGE), 0.5 / Math.SQRT2, 0.03, `${freq} Hz level`)
    }
  })

  it('has unity DC gain', () => {
    const out = resample(new Float32Array(4410).fill(0.25), 44100, OUT)
    assert.ok(maxAbsDiff(out, new Float32Array(out.length).fill(0.25), EDGE, out.length - EDGE) < 1e-4)
  })

  it('gives the same result fed in arbitrary chunks as in one piece', () => {
    const random = prng(7)
    for (const rate of [8000, 44100, 48000]) {
      const input = Float32Array.from({ length: rate }, () => random() * 2 - 1)
      const whole = resample(input, rate, OUT)
      const r = new Resampler(rate, OUT)
      const parts: Float32Array[] = []
      for (let i = 0; i < input.length;) {
        const n = 1 + Math.floor(random() * 3000)
        parts.push(r.push(input.subarray(i, i + n)))
        i += n
      }
      parts.push(r.end())
      const chunked = concatFloat32(parts)
      assert.equal(chunked.length, whole.length)
      assert.ok(maxAbsDiff(chunked, whole) < 1e-6, `rate ${rate}`)
    }
  })

  it('a clone continues identically to the original', () => {
    const input = sine(300, 22050, 0.5)
    const a = new Resampler(22050, OUT)
    const first = a.push(input.subarray(0, 5000))
    const b = a.clone()
    const restA = concatFloat32([a.push(input.subarray(5000)), a.end()])
    const restB = concatFloat32([b.push(input.subarray(5000)), b.end()])
    assert.ok(first.length > 0)
    assert.deepEqual(restA, restB)
  })

  it('replaces NaN and Infinity with silence instead of smearing them', () => {
    const input = sine(440, 8000, 0.5)
    input[1000] = Number.NaN
    input[2000] = Number.POSITIVE_INFINITY
    for (const rate of [8000, 16000]) {
      const out = resample(input, rate, OUT)
      assert.ok(out.every(Number.isFinite), `rate ${rate}`)
    }
  })

  it('rejects nonsense rates', () => {
    assert.throws(() => new Resampler(0, OUT), RangeError)
    assert.throws(() => new Resampler(44100.5, OUT), RangeError)
  })
})
