import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DEFAULT_VAD_SETTINGS, speechRegions, type Region, type VadSettings } from '../../../src/transcription/vad/index.ts'

const F = 512 // Silero window; 100 ms min silence = 1600 samples, 250 ms min speech = 4000, 30 ms pad = 480

/** Probabilities from runs: [value, frames], … */
const runs = (...parts: Array<[number, number]>): number[] => parts.flatMap(([p, n]) => Array<number>(n).fill(p))

const cases: Array<{ name: string, probs: number[], total?: number, settings?: Partial<VadSettings>, want: Region[] }> = [
  { name: 'no speech', probs: runs([0, 100]), want: [] },
  { name: 'speech throughout (padding clipped to the audio)', probs: runs([1, 100]), want: [{ start: 0, end: 100 * F }] },
  {
    name: 'one region, padded 30 ms each side',
    probs: runs([0, 10], [0.9, 20], [0, 70]),
    want: [{ start: 10 * F - 480, end: 30 * F + 480 }]
  },
  { name: '224 ms of speech is below the 250 ms minimum', probs: runs([0, 10], [0.9, 7], [0, 50]), want: [] },
  { name: '256 ms of speech is kept', probs: runs([0, 10], [0.9, 8], [0, 50]), want: [{ start: 10 * F - 480, end: 18 * F + 480 }] },
  {
    name: 'a 64 ms dip stays inside the region',
    probs: runs([0, 10], [0.9, 20], [0, 2], [0.9, 18], [0, 50]),
    want: [{ start: 10 * F - 480, end: 50 * F + 480 }]
  },
  {
    name: 'a 320 ms pause splits it',
    probs: runs([0, 10], [0.9, 20], [0, 10], [0.9, 20], [0, 50]),
    want: [{ start: 10 * F - 480, end: 30 * F + 480 }, { start: 40 * F - 480, end: 60 * F + 480 }]
  },
  {
    name: 'hysteresis: 0.4 (between 0.35 and 0.5) continues speech but does not start it',
    probs: runs([0.4, 10], [0.9, 20], [0.4, 20], [0, 50]),
    want: [{ start: 10 * F - 480, end: 50 * F + 480 }]
  },
  {
    name: 'a frame at exactly the threshold is speech',
    probs: runs([0, 10], [0.5, 20], [0, 50]),
    want: [{ start: 10 * F - 480, end: 30 * F + 480 }]
  },
  {
    name: 'higher threshold ignores 0.6',
    probs: runs([0, 10], [0.6, 20], [0, 50]),
    settings: { threshold: 0.7 },
    want: []
  },
  {
    name: 'an explicit negative threshold of 0.2 holds speech through 0.3 (the default 0.35 would not)',
    probs: runs([0, 10], [0.9, 20], [0.3, 20], [0, 50]),
    settings: { negThreshold: 0.2 },
    want: [{ start: 10 * F - 480, end: 50 * F + 480 }]
  },
  {
    name: 'the default negative threshold ends speech at 0.3',
    probs: runs([0, 10], [0.9, 20], [0.3, 20], [0, 50]),
    want: [{ start: 10 * F - 480, end: 30 * F + 480 }]
  },
  {
    name: 'regions closer than twice the padding share the gap',
    probs: runs([0, 10], [0.9, 20], [0, 8], [0.9, 20], [0, 50]),
    settings: { speechPadMs: 200 }, // pad 3200 > gap/2 = 2048
    want: [{ start: 10 * F - 3200, end: 30 * F + 2048 }, { start: 38 * F - 2048, end: 58 * F + 3200 }]
  },
  {
    name: 'speech running to the end of audio whose last window is partial',
    probs: runs([0, 10], [0.9, 20]),
    total: 29 * F + 100,
    want: [{ start: 10 * F - 480, end: 29 * F + 100 }]
  },
  {
    name: 'longer minimum silence bridges a 320 ms pause',
    probs: runs([0, 10], [0.9, 20], [0, 10], [0.9, 20], [0, 50]),
    settings: { minSilenceMs: 500 },
    want: [{ start: 10 * F - 480, end: 60 * F + 480 }]
  },
  {
    name: 'no padding',
    probs: runs([0, 10], [0.9, 20], [0, 70]),
    settings: { speechPadMs: 0 },
    want: [{ start: 10 * F, end: 30 * F }]
  }
]

for (const c of cases) {
  test(`speechRegions: ${c.name}`, () => {
    const got = speechRegions(c.probs, { ...DEFAULT_VAD_SETTINGS, ...c.settings }, { totalSamples: c.total ?? c.probs.length * F })
    assert.deepEqual(got, c.want)
  })
}

test('speechRegions works on 20 ms frames too (the WebRTC detector in bench/vad)', () => {
  const probs = runs([0, 10], [1, 20], [0, 20])
  assert.deepEqual(speechRegions(probs, DEFAULT_VAD_SETTINGS, { frameSamples: 320, totalSamples: 50 * 320 }),
    [{ start: 10 * 320 - 480, end: 30 * 320 + 480 }])
})
