import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  HARD_MAX_UTTERANCE_SECONDS, MIN_ENDPOINT_MS, PREROLL_SECONDS, SOFT_MAX_UTTERANCE_SECONDS, VAD_FRAME_SAMPLES
} from '../../src/live/tuning.ts'
import { Segmenter, type SegmenterEvent } from '../../src/live/segmenter.ts'

const FRAME_SECONDS = VAD_FRAME_SAMPLES / 16000

/** Feeds a pattern of VAD frames ('#' speech, '.' silence), each with a frame of audio whose value is its index. */
function feed (seg: Segmenter, pattern: string, state = { frame: 0 }): SegmenterEvent[] {
  const events: SegmenterEvent[] = []
  for (const c of pattern) {
    seg.append(new Float32Array(VAD_FRAME_SAMPLES).fill(state.frame++))
    events.push(...seg.frame(c === '#'))
  }
  return events
}

const frames = (seconds: number, c: string): string => c.repeat(Math.round(seconds / FRAME_SECONDS))
const near = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`)

test('silence never opens an utterance, and only the pre-roll is kept', () => {
  const seg = new Segmenter({ endpointingMs: 10 })
  const events = feed(seg, frames(30, '.') + '#.#.#.#.#.') // isolated speech frames are clicks, not speech
  assert.deepEqual(events, [])
  assert.equal(seg.openSeconds, 0)
  assert.equal(seg.current(), undefined)
  assert.equal(seg.flush(), undefined)
})

test('speech opens an utterance with pre-roll and an endpoint closes it (reason endpoint)', () => {
  const seg = new Segmenter({ endpointingMs: 10 })
  const events = feed(seg, frames(1, '.') + frames(1, '#') + frames(1, '.'))
  assert.equal(events[0]?.type, 'speech-started')
  near((events[0] as { at: number }).at, 1, 'speech starts at the first speech frame')
  const closed = events[1]
  assert.ok(closed?.type === 'utterance')
  assert.equal(closed.reason, 'endpoint')
  near(closed.utterance.start, 1 - PREROLL_SECONDS, 'start')
  // endpointing=10 acts as MIN_ENDPOINT_MS: shorter pauses happen inside words
  near(closed.utterance.end, 2 + MIN_ENDPOINT_MS / 1000, 'end')
  assert.equal(closed.utterance.audio.length, Math.round((closed.utterance.end - closed.utterance.start) * 16000))
  // the audio is the stream's own samples: frame 35 (0.7 s) is where the pre-roll starts
  assert.equal(closed.utterance.audio[0], Math.round((1 - PREROLL_SECONDS) / FRAME_SECONDS))
  assert.equal(events.length, 2)
})

test('a pause shorter than endpointing does not end the utterance', () => {
  const seg = new Segmenter({ endpointingMs: 500 })
  const events = feed(seg, frames(1, '#') + frames(0.4, '.') + frames(1, '#') + frames(0.5, '.'))
  const utterances = events.filter((e) => e.type === 'utterance')
  assert.equal(utterances.length, 1)
  assert.ok(utterances[0]?.type === 'utterance')
  near(utterances[0].utterance.end, 2.9, 'one utterance across the short pause')
})

test('endpointing off closes at a long pause, which is no endpoint (reason pause)', () => {
  const seg = new Segmenter({ endpointingMs: false })
  const events = feed(seg, frames(1, '#') + frames(0.9, '.') + frames(1, '#') + frames(1, '.'))
  const utterances = events.filter((e) => e.type === 'utterance')
  assert.equal(utterances.length, 1)
  assert.ok(utterances[0]?.type === 'utterance')
  assert.equal(utterances[0].reason, 'pause')
})

test('a long utterance ends at its next pause after the soft maximum, and is cut at the hard maximum', () => {
  const soft = new Segmenter({ endpointingMs: 10_000 })
  const softEvents = feed(soft, frames(SOFT_MAX_UTTERANCE_SECONDS + 1, '#') + '.')
  const cut = softEvents.find((e) => e.type === 'utterance')
  assert.ok(cut?.type === 'utterance')
  assert.equal(cut.reason, 'pause')

  const hard = new Segmenter({ endpointingMs: 10 })
  const state = { frame: 0 }
  const hardEvents = feed(hard, frames(HARD_MAX_UTTERANCE_SECONDS + 5, '#'), state)
  const first = hardEvents.find((e) => e.type === 'utterance')
  assert.ok(first?.type === 'utterance')
  assert.equal(first.reason, 'max-length')
  assert.ok(first.utterance.end - first.utterance.start <= HARD_MAX_UTTERANCE_SECONDS + 1e-9)
  // speech goes on: a new utterance opens right where the cut one ended, so no audio is lost or repeated
  const flushed = hard.flush()
  assert.ok(flushed !== undefined)
  near(flushed.start, first.utterance.end, 'contiguous')
  assert.equal(flushed.audio[0], first.utterance.audio.at(-1) as number + 1)
})

test('utterance-end follows the utterance it ends, and needs speech since the last one', () => {
  const seg = new Segmenter({ endpointingMs: 300, utteranceEndMs: 1000 })
  const events = feed(seg, frames(1, '#') + frames(1.5, '.') + frames(3, '.'))
  assert.deepEqual(events.map((e) => e.type), ['speech-started', 'utterance', 'utterance-end'])
  near((events[2] as { at: number }).at, 2, 'one second after the last speech frame')

  // the utterance-end pause shorter than the endpoint: the utterance is closed first, not at an endpoint
  const eager = new Segmenter({ endpointingMs: 2000, utteranceEndMs: 1000 })
  const eagerEvents = feed(eager, frames(1, '#') + frames(1.2, '.'))
  assert.deepEqual(eagerEvents.map((e) => e.type), ['speech-started', 'utterance', 'utterance-end'])
  assert.ok(eagerEvents[1]?.type === 'utterance')
  assert.equal(eagerEvents[1].reason, 'pause')
})

test('flush hands over the open utterance up to the last sample, even mid-frame', () => {
  const seg = new Segmenter({ endpointingMs: 10 })
  feed(seg, frames(1, '#'))
  seg.append(new Float32Array(100)) // not yet a whole VAD frame
  const current = seg.current()
  assert.ok(current !== undefined)
  const utterance = seg.flush()
  assert.ok(utterance !== undefined)
  assert.equal(utterance.id, current.id)
  near(utterance.end, 1 + 100 / 16000, 'end includes the partial frame')
  assert.equal(seg.flush(), undefined)
  assert.equal(seg.openSeconds, 0)
})

test('audio appended in one large piece keeps the pre-roll of an onset early in it', () => {
  const seg = new Segmenter({ endpointingMs: 10 })
  seg.append(new Float32Array(16000 * 3).fill(0.5)) // 3 s at once, then its frames
  const events: SegmenterEvent[] = []
  for (let i = 0; i < 150; i++) events.push(...seg.frame(i >= 25 && i < 75)) // speech 0.5 s - 1.5 s
  const utterance = events.find((e) => e.type === 'utterance')
  assert.ok(utterance?.type === 'utterance')
  near(utterance.utterance.start, 0.5 - PREROLL_SECONDS, 'pre-roll kept')
  assert.ok(utterance.utterance.audio.every((x) => x === 0.5))
})
