import assert from 'node:assert/strict'
import { test } from 'node:test'
import { format } from './helpers.ts'

const text = 'Hello, this is Steve Fuller, a professor of social epistemology at Warwick. Epistemology is the branch of philosophy.'

test('search: every hit of a word or phrase, with times, confidence and snippet, best first', () => {
  const [word, phrase] = format(text, { search: ['epistemology', 'social epistemology'] }).search
  assert.equal(word?.query, 'epistemology')
  assert.deepEqual(word?.hits.slice(0, 2), [
    { confidence: 1, start: 9, end: 9.5, snippet: 'epistemology' },
    { confidence: 1, start: 12, end: 12.5, snippet: 'epistemology' }
  ])
  assert.deepEqual(phrase?.hits[0], { confidence: 1, start: 8, end: 9.5, snippet: 'social epistemology' })
  for (const r of [word, phrase]) {
    const c = r?.hits.map((h) => h.confidence) ?? []
    assert.deepEqual(c, [...c].sort((a, b) => b - a))
  }
})

test('search: fuzzy matches score below 1, unrelated text is not a hit', () => {
  const cases: Array<[string, string, number, number]> = [
    // query, text, minimum and maximum confidence of the best hit
    ['epistemology', 'the epistemologies of old', 0.75, 0.99],
    ['Warwick', 'he went to warrick castle', 0.8, 0.99],
    ['facebook', 'I saw it on face book yesterday', 0.99, 1],
    ['WARWICK!', 'at warwick.', 1, 1],
    ['café', 'un cafe noir', 0.7, 0.99],
    ['zebra', 'nothing like it here', 0, 0]
  ]
  for (const [query, input, lo, hi] of cases) {
    const best = format(input, { search: [query] }).search[0]?.hits[0]?.confidence ?? 0
    assert.ok(best >= lo && best <= hi, `${query} in "${input}": ${best}`)
  }
})

test('search: empty input, empty query, no search asked', () => {
  assert.deepEqual(format('', { search: ['x'] }).search, [{ query: 'x', hits: [] }])
  assert.deepEqual(format('hello there', { search: [''] }).search, [{ query: '', hits: [] }])
  assert.deepEqual(format('hello there', {}).search, [])
})

test('search reads the words as heard, not as formatted or redacted', () => {
  const r = format('call five five five two one two four three nine four', { smartFormat: true, redact: ['numbers'], search: ['five five five'] })
  assert.equal(r.transcript, 'call [PHONE_NUMBER_1]')
  assert.deepEqual(r.search[0]?.hits[0], { confidence: 1, start: 1, end: 3.5, snippet: 'five five five' })
})
