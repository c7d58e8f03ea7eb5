// The non-timing parts of bench:prerecorded: the 3 s clip cutter and the transcript equality check.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RATE, cutClips } from '../../bench/prerecorded/wav.ts'
import { TranscriptCheck, normalize } from '../../bench/prerecorded/transcripts.ts'

const source = (name: string, seconds: number, value: number) =>
  ({ name, pcm: { rate: RATE, channels: 1, samples: new Int16Array(Math.round(seconds * RATE)).fill(value) } })

test('cutClips takes clips round robin across sources, each exactly the asked length', () => {
  const clips = cutClips([source('a', 5, 1), source('b', 4, 2)], 5, 3)
  assert.deepEqual(clips.map((c) => c.name), ['a@0.0s', 'b@0.0s', 'a@1.0s', 'b@1.0s', 'a@2.0s'])
  for (const c of clips) assert.equal(c.samples.length, 3 * RATE)
  // b@1.0s ends at 4 s: no padding; a@2.0s ends at 5 s: no padding either
  assert.ok(clips.every((c) => c.samples.every((x) => x === (c.source === 'a' ? 1 : 2))))
})

test('cutClips zero-pads a window that runs at most 0.5 s past its source, and refuses to invent more', () => {
  const [clip] = cutClips([source('short', 2.6, 7)], 1, 3)
  assert.equal(clip?.samples.length, 3 * RATE)
  assert.equal(clip?.samples[Math.round(2.6 * RATE) - 1], 7)
  assert.equal(clip?.samples[Math.round(2.6 * RATE)], 0)
  assert.throws(() => cutClips([source('short', 2.6, 7)], 2, 3), /only 1 clips of 3 s fit/)
  assert.throws(() => cutClips([{ name: 'x', pcm: { rate: 8000, channels: 1, samples: new Int16Array(80000) } }], 1), /expected 16000 Hz mono/)
})

test('TranscriptCheck ignores whitespace and names the first mismatch', () => {
  assert.equal(normalize('  Hello   world,\n this '), 'Hello world, this')
  const check = new TranscriptCheck()
  assert.equal(check.describe(), 'not compared')
  assert.equal(check.ok, false)
  assert.equal(check.compare('one', ' Hello  world ', 'Hello world'), true)
  assert.equal(check.ok, true)
  assert.equal(check.describe(), 'yes (1 pairs)')
  assert.equal(check.compare('two', 'Hello world', 'Hello there'), false)
  assert.equal(check.ok, false)
  assert.match(check.describe(), /^NO: 1 of 2 differ; first \(two\): earshot "Hello world", anchor "Hello there"$/)
})
