import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSpecialToken, normalizeWord, segmentsToWords, tokensToWords } from '../../src/transcription/words.ts'
import type { TranscribedToken } from '../../src/engine/types.ts'

const tok = (text: string, start: number, end: number, probability = 0.9): TranscribedToken => ({ id: 0, text, start, end, probability, logprob: Math.log(probability) })

test('merges BPE pieces into words; a leading space starts a word', () => {
  const r = tokensToWords([
    tok(' Hel', 0.0, 0.2, 0.8), tok('lo', 0.2, 0.4, 0.6), tok(',', 0.4, 0.45, 1.0),
    tok(' wor', 0.5, 0.7), tok('ld', 0.7, 0.9), tok('.', 0.9, 0.95)
  ], { duration: 2 })
  assert.deepEqual(r.words.map((w) => w.punctuated_word), ['Hello,', 'world.'])
  assert.deepEqual(r.words.map((w) => w.word), ['hello', 'world'])
  assert.equal(r.words[0]?.start, 0)
  assert.equal(r.words[0]?.end, 0.45)
  assert.ok(Math.abs((r.words[0]?.confidence ?? 0) - 0.8) < 1e-9) // mean of 0.8, 0.6, 1.0
  assert.equal(r.transcript, 'Hello, world.')
  assert.equal(r.plainTranscript, 'hello world')
})

test('drops special tokens of every spelling', () => {
  for (const s of ['[_BEG_]', '[_TT_150]', '[_SOT_]', '[_EOT_]', '[_LANG_en]', '[_extra_token_50300]', '<|endoftext|>', '<|en|>', '<|0.00|>', '']) {
    assert.ok(isSpecialToken(s), s)
  }
  assert.ok(!isSpecialToken(' hello'))
  assert.ok(!isSpecialToken('[laughs]'))
  const r = tokensToWords([tok('[_BEG_]', 0, 0), tok(' yes', 0, 0.5), tok('<|endoftext|>', 0.5, 0.5), tok('[_TT_25]', 0.5, 0.5)], { duration: 1 })
  assert.deepEqual(r.words.map((w) => w.word), ['yes'])
})

test('word keeps inner apostrophes and hyphens, strips edge punctuation', () => {
  assert.equal(normalizeWord("Don't"), "don't")
  assert.equal(normalizeWord('"E-mail?"'), 'e-mail')
  assert.equal(normalizeWord('...'), '')
  const r = tokensToWords([tok(' Don', 0, 0.1), tok("'t", 0.1, 0.2), tok(' e', 0.3, 0.4), tok('-', 0.4, 0.45), tok('mail', 0.45, 0.6), tok('?', 0.6, 0.6)], { duration: 1 })
  assert.deepEqual(r.words.map((w) => [w.word, w.punctuated_word]), [["don't", "Don't"], ['e-mail', 'e-mail?']])
})

test('punctuation-only words are glued to a neighbour, never emitted alone', () => {
  const r = tokensToWords([tok(' -', 0, 0.1), tok(' well', 0.1, 0.3), tok(' -', 0.3, 0.35), tok(' ok', 0.4, 0.6), tok(' !', 0.6, 0.7)], { duration: 1 })
  assert.deepEqual(r.words.map((w) => w.punctuated_word), ['-well-', 'ok!'])
  assert.deepEqual(r.words.map((w) => w.word), ['well', 'ok'])
  assert.equal(r.words[0]?.start, 0)
})

test('times are clamped to [0, duration], monotonic and non-overlapping', () => {
  const r = tokensToWords([
    tok(' a', -0.5, 0.4), tok(' b', 0.3, 0.2), tok(' c', 0.35, 0.9), tok(' d', 2.5, 31)
  ], { duration: 3 })
  const times = r.words.map((w) => [w.start, w.end])
  assert.deepEqual(times, [[0, 0.4], [0.4, 0.4], [0.4, 0.9], [2.5, 3]])
  for (const w of r.words) assert.ok(w.start <= w.end)
})

test('offset shifts every time after clamping', () => {
  const r = tokensToWords([tok(' a', 0.1, 0.5), tok(' b', 0.5, 9)], { duration: 1, offset: 10 })
  assert.deepEqual(r.words.map((w) => [w.start, w.end]), [[10.1, 10.5], [10.5, 11]])
})

test('confidence: per word mean of token probabilities, overall mean of words; empty input', () => {
  const r = tokensToWords([tok(' a', 0, 0.1, 0.2), tok('b', 0.1, 0.2, 0.4), tok(' c', 0.2, 0.3, 1)], { duration: 1 })
  assert.ok(Math.abs((r.words[0]?.confidence ?? 0) - 0.3) < 1e-9)
  assert.ok(Math.abs(r.confidence - 0.65) < 1e-9)
  const empty = tokensToWords([tok('[_BEG_]', 0, 0)], { duration: 1 })
  assert.deepEqual(empty, { words: [], transcript: '', plainTranscript: '', confidence: 0 })
})

test('segmentsToWords flattens segments in order', () => {
  const r = segmentsToWords([
    { text: ' One two.', start: 0, end: 1, noSpeechProb: 0, tokens: [tok(' One', 0, 0.4), tok(' two', 0.4, 0.8), tok('.', 0.8, 0.9)] },
    { text: ' Three.', start: 1, end: 2, noSpeechProb: 0, tokens: [tok(' Three', 1, 1.5), tok('.', 1.5, 1.6)] }
  ], { duration: 2 })
  assert.equal(r.transcript, 'One two. Three.')
  assert.equal(r.plainTranscript, 'one two three')
})
