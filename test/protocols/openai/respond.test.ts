import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatReply, StreamEvents, type CoreResult, type ReplyOptions } from '../../../src/protocols/openai/respond.ts'

const result = {
  language: 'de',
  duration: 3.5,
  segments: [
    { text: ' Guten Tag.', start: 0, end: 1.2, tokens: [{ text: ' Guten', start: 0, end: 0.6, probability: 0.9 }, { text: ' Tag', start: 0.6, end: 1.1, probability: 0.8 }, { text: '.', start: 1.1, end: 1.2, probability: 0.9 }] },
    { text: ' Wie geht es?', start: 1.5, end: 3.4, tokens: [{ text: ' Wie', start: 1.5, end: 2, probability: 0.9 }, { text: ' geht', start: 2, end: 2.6, probability: 0.9 }, { text: ' es', start: 2.6, end: 3.2, probability: 0.9 }, { text: '?', start: 3.2, end: 3.4, probability: 0.9 }] }
  ]
} as unknown as CoreResult
const opts: ReplyOptions = { task: 'transcribe', temperature: 0, granularities: [], logprobs: false }

test('json is {text, usage}; logprobs only when included', () => {
  const json = formatReply('json', result, opts)
  assert.match(json.contentType, /^application\/json/)
  assert.deepEqual(json.body, { text: 'Guten Tag. Wie geht es?', usage: { type: 'duration', seconds: 4 } })
  const withLp = formatReply('json', result, { ...opts, logprobs: true }).body as { logprobs: unknown[] }
  assert.equal(withLp.logprobs.length, 7)
})

test('text, srt and vtt are plain text', () => {
  assert.deepEqual(formatReply('text', result, opts), { contentType: 'text/plain; charset=utf-8', body: 'Guten Tag. Wie geht es?\n' })
  assert.equal(formatReply('srt', result, opts).body, '1\n00:00:00,000 --> 00:00:01,200\nGuten Tag.\n\n2\n00:00:01,500 --> 00:00:03,400\nWie geht es?\n')
  assert.equal(formatReply('vtt', result, opts).body, 'WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.200\nGuten Tag.\n\n2\n00:00:01.500 --> 00:00:03.400\nWie geht es?\n')
})

test('verbose_json: task, language name, duration, text, segments by default, words when asked', () => {
  const body = formatReply('verbose_json', result, opts).body as Record<string, unknown>
  assert.deepEqual(Object.keys(body), ['task', 'language', 'duration', 'text', 'segments', 'usage'])
  assert.deepEqual([body.task, body.language, body.duration, body.text], ['transcribe', 'german', 3.5, 'Guten Tag. Wie geht es?'])
  const words = formatReply('verbose_json', result, { ...opts, granularities: ['word'] }).body as Record<string, unknown>
  assert.deepEqual(Object.keys(words), ['task', 'language', 'duration', 'text', 'words', 'usage'])
  assert.deepEqual((words.words as unknown[])[0], { word: 'Guten', start: 0, end: 0.6 })
  const both = formatReply('verbose_json', result, { ...opts, granularities: ['word', 'segment'] }).body as Record<string, unknown>
  assert.ok(Array.isArray(both.words) && Array.isArray(both.segments))
  const translated = formatReply('verbose_json', result, { ...opts, task: 'translate' }).body as Record<string, unknown>
  assert.deepEqual([translated.task, translated.language], ['translate', 'english'])
})

test('stream deltas concatenate to the done text', () => {
  const events = new StreamEvents(true)
  const deltas = result.segments.map((s) => events.delta(s))
  assert.deepEqual(deltas.map((d) => d?.delta), ['Guten Tag.', ' Wie geht es?'])
  assert.equal(deltas[0]?.type, 'transcript.text.delta')
  assert.equal((deltas[0]?.logprobs as unknown[]).length, 3)
  assert.equal(events.delta({ text: '', start: 3.4, end: 3.5, tokens: [], noSpeechProb: 0 }), undefined)
  const done = events.done(result)
  assert.equal(done.type, 'transcript.text.done')
  assert.equal(done.text, deltas.map((d) => d?.delta).join(''))
  assert.deepEqual(done.usage, { type: 'tokens', input_tokens: 175, input_token_details: { text_tokens: 0, audio_tokens: 175 }, output_tokens: 7, total_tokens: 182 })
})
