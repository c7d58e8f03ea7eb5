import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeWindows, joinAudio, type Region } from '../../../src/transcription/vad/index.ts'

const S = 16000
const spans = (w: { regions: Region[] }): Array<[number, number]> => w.regions.map((r) => [r.start, r.end])

const cases: Array<{ name: string, regions: Region[], opts?: Parameters<typeof decodeWindows>[1], want: Array<Array<[number, number]>> }> = [
  { name: 'no regions, no windows', regions: [], want: [] },
  {
    name: 'short regions share one window',
    regions: [{ start: 1 * S, end: 3 * S }, { start: 10 * S, end: 12 * S }, { start: 40 * S, end: 45 * S }],
    want: [[[1 * S, 3 * S], [10 * S, 12 * S], [40 * S, 45 * S]]]
  },
  {
    name: 'a window closes before 30 s of joined audio (gaps count)',
    regions: [{ start: 0, end: 15 * S }, { start: 20 * S, end: 35 * S }, { start: 40 * S, end: 41 * S }],
    // 15 + 0.1 + 15 = 30.1 s > 30 s
    want: [[[0, 15 * S]], [[20 * S, 35 * S], [40 * S, 41 * S]]]
  },
  {
    name: 'exactly 30 s with the gap fits',
    regions: [{ start: 0, end: 14.9 * S }, { start: 20 * S, end: 35 * S }],
    want: [[[0, 14.9 * S], [20 * S, 35 * S]]]
  },
  {
    name: 'a 70 s region is cut hard at 30 s without probabilities',
    regions: [{ start: 5 * S, end: 75 * S }],
    want: [[[5 * S, 35 * S]], [[35 * S, 65 * S]], [[65 * S, 75 * S]]]
  },
  {
    name: 'without gaps',
    regions: [{ start: 0, end: 15 * S }, { start: 20 * S, end: 35 * S }],
    opts: { gapSamples: 0 },
    want: [[[0, 15 * S], [20 * S, 35 * S]]]
  }
]

for (const c of cases) {
  test(`decodeWindows: ${c.name}`, () => {
    const windows = decodeWindows(c.regions, c.opts)
    assert.deepEqual(windows.map(spans), c.want)
    for (const w of windows) assert.ok(w.samples <= 30 * S, `window of ${w.samples / S} s`)
  })
}

test('decodeWindows splits an over-long region at its least likely frame in the window\'s last third', () => {
  const probs = new Array<number>(Math.ceil(40 * S / 512)).fill(0.9)
  const dip = Math.floor(25 * S / 512) // a pause at 25 s
  probs[dip] = 0.1
  const windows = decodeWindows([{ start: 0, end: 40 * S }], { probs })
  assert.deepEqual(windows.map(spans), [[[0, dip * 512]], [[dip * 512, 40 * S]]])
})

test('a window\'s audio is its regions with zeros between, and its map points back into them', () => {
  const audio = Float32Array.from({ length: 10 * S }, (_, i) => i)
  const [w] = decodeWindows([{ start: 1 * S, end: 2 * S }, { start: 5 * S, end: 5.5 * S }], { gapSamples: 1600 })
  assert.ok(w)
  const joined = joinAudio(w, audio)
  assert.equal(joined.length, 1 * S + 1600 + 0.5 * S)
  assert.equal(joined[0], 1 * S)
  assert.equal(joined[S - 1], 2 * S - 1)
  assert.equal(joined[S + 10], 0) // the inserted silence
  assert.equal(joined[S + 1600], 5 * S)
  // a word at 1.2 s of joined audio is at 5.1 s of the original (1.0 s + 0.1 s gap + 0.1 s into the second region)
  assert.equal(w.map.toSourceSeconds(1.2), 5.1)
  assert.equal(w.map.toSourceSeconds(0.5), 1.5)
})

test('decodeWindows refuses a gap as long as the window', () => {
  assert.throws(() => decodeWindows([{ start: 0, end: 10 }], { maxSamples: 100, gapSamples: 100 }), RangeError)
})
