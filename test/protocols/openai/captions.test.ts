import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseSync } from 'subtitle'
import { toSrt, toVtt } from '../../../src/protocols/openai/captions.ts'

const cues = [
  { start: 0, end: 3.32, text: ' The beach was a popular spot on a hot summer day.' },
  { start: 3.32, end: 7.2004, text: ' People were swimming --> in the ocean.' },
  { start: 3725.5, end: 3726, text: ' Late.\n\nStill one cue.' },
  { start: 3726, end: 3727, text: '   ' }
]

test('SRT: numbered cues with comma milliseconds, as OpenAI writes them', () => {
  assert.equal(toSrt(cues), [
    '1', '00:00:00,000 --> 00:00:03,320', 'The beach was a popular spot on a hot summer day.', '',
    '2', '00:00:03,320 --> 00:00:07,200', 'People were swimming -> in the ocean.', '',
    '3', '01:02:05,500 --> 01:02:06,000', 'Late. Still one cue.', ''
  ].join('\n'))
  assert.equal(toSrt([]), '')
})

test('WebVTT: header, dot milliseconds; parses back to the same cues', () => {
  const vtt = toVtt(cues)
  assert.ok(vtt.startsWith('WEBVTT\n\n'))
  assert.match(vtt, /\n00:00:03\.320 --> 00:00:07\.200\nPeople were swimming -> in the ocean\.\n/)
  const parsed = parseSync(vtt).flatMap((n) => n.type === 'cue' ? [n.data] : [])
  assert.deepEqual(parsed.map((c) => [c.start, c.end, c.text]), [
    [0, 3320, 'The beach was a popular spot on a hot summer day.'],
    [3320, 7200, 'People were swimming -> in the ocean.'],
    [3725500, 3726000, 'Late. Still one cue.']
  ])
  assert.equal(toVtt([]), 'WEBVTT\n\n')
})
