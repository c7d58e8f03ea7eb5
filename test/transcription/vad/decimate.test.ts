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
