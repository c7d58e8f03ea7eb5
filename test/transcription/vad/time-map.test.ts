import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TimeMap } from '../../../src/transcription/vad/index.ts'

// joined: [0,100) from source 1000, gap [100,120), [120,170) from source 5000, gap [170,190), [190,200) from 9000
const map = new TimeMap([
  { joinedStart: 0, sourceStart: 1000, length: 100 },
  { joinedStart: 120, sourceStart: 5000, length: 50 },
  { joinedStart: 190, sourceStart: 9000, length: 10 }
])

const cases: Array<[joined: number, source: number, why: string]> = [
  [0, 1000, 'start of the first region'],
  [42, 1042, 'inside the first region'],
  [100, 1100, 'end of the first region'],
  [105, 1100, 'first half of a gap: the previous region end'],
  [110, 5000, 'middle of a gap: the next region start'],
  [119, 5000, 'second half of a gap: the next region start'],
  [120, 5000, 'start of the second region'],
  [169.5, 5049.5, 'fractional samples'],
  [195, 9005, 'inside the last region'],
  [200, 9010, 'end of the joined audio'],
  [500, 9010, 'past the end: clamped to the last region end'],
  [-5, 1000, 'before the start: clamped to the first region start']
]

for (const [joined, source, why] of cases) {
  test(`TimeMap: ${why}`, () => assert.equal(map.toSourceSample(joined), source))
}

test('TimeMap is non-decreasing over the whole joined audio', () => {
  let last = -Infinity
  for (let t = -10; t <= 210; t += 0.25) {
    const s = map.toSourceSample(t)
    assert.ok(s >= last, `at ${t}: ${s} < ${last}`)
    last = s
  }
})

test('TimeMap converts seconds at 16 kHz', () => {
  const m = new TimeMap([{ joinedStart: 0, sourceStart: 16000 * 12, length: 16000 * 3 }])
  assert.equal(m.toSourceSeconds(1.5), 13.5)
})

test('TimeMap refuses overlapping or unordered pieces', () => {
  assert.throws(() => new TimeMap([{ joinedStart: 0, sourceStart: 0, length: 10 }, { joinedStart: 5, sourceStart: 20, length: 5 }]), RangeError)
  assert.throws(() => new TimeMap([{ joinedStart: 0, sourceStart: 100, length: 10 }, { joinedStart: 20, sourceStart: 50, length: 5 }]), RangeError)
})

test('an empty TimeMap maps everything to 0', () => assert.equal(new TimeMap([]).toSourceSample(7), 0))
