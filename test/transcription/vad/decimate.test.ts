import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decimate2 } from '../../../src/transcription/vad/decimate.ts'

const tone = (hz: number, n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(2 * Math.PI * hz * i / 16000))
const rms = (x: Float32Array, from = 100, to = x.length - 100): number => {
  let s = 0
  for (let i = from; i < to; i++) s += (x[i] as number) ** 2
  return Math.sqrt(s / (to - from))
}

test('halves the length (rounding up) and keeps DC exactly', () => {
  assert.equal(decimate2(new Float32Array(1001)).length, 501)
  const dc = decimate2(new Float32Array(4000).fill(0.25))
  for (let i = 20; i < dc.length - 20; i++) assert.ok(Math.abs((dc[i] as number) - 0.25) < 1e-6, `sample ${i}: ${dc[i]}`)
})

test('passes speech frequencies and stops what would fold back below 4 kHz', () => {
  const n = 16000
  for (const hz of [300, 1000, 2500]) {
    const gain = rms(decimate2(tone(hz, n)), 50, n / 2 - 50) / rms(tone(hz, n))
    assert.ok(Math.abs(gain - 1) < 0.02, `${hz} Hz: gain ${gain}`)
  }
  // 6 kHz would alias to 2 kHz at 8 kHz
  const leak = rms(decimate2(tone(6000, n)), 50, n / 2 - 50) / rms(tone(6000, n))
  assert.ok(leak < 0.01, `6 kHz leaks ${leak}`)
})

test('the unrolled interior and the edges compute the same filter', () => {
  let a = 99
  const x = Float32Array.from({ length: 2001 }, () => { a = (Math.imul(a, 1103515245) + 12345) >>> 0; return a / 2 ** 32 - 0.5 })
  // the filter's impulse response, read from a unit impulse in the interior, applied directly
  const impulse = new Float32Array(201)
  impulse[100] = 1
  const h = decimate2(impulse) // h[50 + j] = tap at offset 2j (even offsets only: the odd ones are never sampled)
  const odd = new Float32Array(201)
  odd[101] = 1
  const hOdd = decimate2(odd) // hOdd[50 + j] = tap at offset 2j - 1
  const tap = (k: number): number => (k % 2 === 0 ? (h[50 + k / 2] ?? 0) : (hOdd[50 + (k + 1) / 2] ?? 0))
  const y = decimate2(x)
  for (let m = 0; m < y.length; m++) {
    let want = 0
    for (let k = -20; k <= 20; k++) { const i = 2 * m - k; if (i >= 0 && i < x.length) want += tap(k) * (x[i] as number) }
    assert.ok(Math.abs((y[m] as number) - want) < 1e-6, `sample ${m}: ${y[m]} against ${want}`)
  }
})
