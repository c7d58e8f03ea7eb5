import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { TranscribedSegment } from '../../../src/engine/types.ts'
import { buildLogprobs, buildSegments, buildWords, durationUsage, joinedText, tokenUsage } from '../../../src/protocols/openai/verbose.ts'

// The last segment is shaped like an engine without ids, logprobs or no-speech probability: the fallbacks.
const segments = [
  {
    text: ' Hello, world.',
    start: 0,
    end: 1.5,
    noSpeechProb: 0.02,
    tokens: [
      { text: ' Hello', start: 0, end: 0.5, probability: 0.9, id: 2425, logprob: -0.1 },
      { text: ',', start: 0.5, end: 0.6, probability: 0.8, id: 11, logprob: -0.2 },
      { text: ' world', start: 0.7, end: 1.2, probability: 0.7, id: 1002, logprob: -0.3 },
      { text: '.', start: 1.2, end: 1.5, probability: 0.6, id: 13, logprob: -0.4 }
    ]
  },
  // today's engine: no ids, no logprob, no no-speech probability
  { text: ' Größe!', start: 2.25, end: 3, tokens: [{ text: ' Größe', start: 2.25, end: 2.9, probability: 0.5 }, { text: '!', start: 2.9, end: 3, probability: 0.25 }] }
] as unknown as TranscribedSegment[]

test('verbose_json segments carry every field of OpenAI\'s TranscriptionSegment', () => {
  const out = buildSegments(segments, { temperature: 0.2 })
  assert.equal(out.length, 2)
  for (const s of out) {
    assert.deepEqual(Object.keys(s).sort(), ['avg_logprob', 'compression_ratio', 'end', 'id', 'no_speech_prob', 'seek', 'start', 'temperature', 'text', 'tokens'])
    assert.ok(Number.isInteger(s.id) && Number.isInteger(s.seek))
    assert.ok(s.tokens.every(Number.isInteger))
  }
  const [a, b] = out as [typeof out[0], typeof out[0]]
  assert.deepEqual([a.id, a.seek, a.start, a.end, a.text, a.temperature, a.no_speech_prob], [0, 0, 0, 1.5, ' Hello, world.', 0.2, 0.02])
  assert.deepEqual(a.tokens, [2425, 11, 1002, 13])
  assert.ok(Math.abs(a.avg_logprob - -0.25) < 1e-12)
  assert.ok(a.compression_ratio > 0)
  assert.deepEqual([b.id, b.seek, b.no_speech_prob, b.tokens], [1, 225, 0, []])
  assert.ok(Math.abs(b.avg_logprob - (Math.log(0.5) + Math.log(0.25)) / 2) < 1e-12, 'falls back to log(probability)')
})

test('text joins the segments, words drop edge punctuation and keep case', () => {
  assert.equal(joinedText(segments), 'Hello, world. Größe!')
  assert.equal(joinedText([]), '')
  assert.deepEqual(buildWords(segments, 3), [
    { word: 'Hello', start: 0, end: 0.6 },
    { word: 'world', start: 0.7, end: 1.5 },
    { word: 'Größe', start: 2.25, end: 3 }
  ])
})

test('logprobs give token, UTF-8 bytes and log-probability', () => {
  const lp = buildLogprobs(segments)
  assert.equal(lp.length, 6)
  assert.deepEqual(lp[0], { token: ' Hello', bytes: [32, 72, 101, 108, 108, 111], logprob: -0.1 })
  assert.deepEqual(lp[4]?.bytes, [...Buffer.from(' Größe')])
  assert.equal(lp[5]?.logprob, Math.log(0.25))
})

test('usage: whole seconds for json, tokens for the stream', () => {
  assert.deepEqual(durationUsage(8.47), { type: 'duration', seconds: 9 })
  assert.deepEqual(durationUsage(0), { type: 'duration', seconds: 0 })
  assert.deepEqual(tokenUsage(segments, 3), {
    type: 'tokens', input_tokens: 150, input_token_details: { text_tokens: 0, audio_tokens: 150 }, output_tokens: 6, total_tokens: 156
  })
})
