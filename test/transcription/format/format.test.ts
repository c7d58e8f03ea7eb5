import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import fc from 'fast-check'
import type { Word } from '../../../src/transcription/words.ts'
import { formatTranscript, type TextOptions } from '../../../src/transcription/format/index.ts'
import { format, OFF, transcript, words } from './helpers.ts'

const sample = JSON.parse(readFileSync(new URL('../../fixtures/deepgram/rest-response-sample.json', import.meta.url), 'utf8'))
const alt = sample.results.channels[0].alternatives[0]

test('the reference reply (nova-3, smart_format) passes through unchanged: word, punctuated_word and transcript', () => {
  const r = formatTranscript(alt.words, { ...OFF, smartFormat: true })
  assert.deepEqual(r.words, alt.words)
  assert.equal(r.transcript, alt.transcript)
})

test('punctuate=false: the lower-case transcript without punctuation, words keep punctuated_word', () => {
  const r = formatTranscript(alt.words, { ...OFF, punctuate: false })
  assert.equal(r.transcript, alt.words.map((w: Word) => w.word).join(' '))
  assert.equal(r.transcript.startsWith('yep i said it before'), true)
  assert.deepEqual(r.words.map((w) => w.punctuated_word), alt.words.map((w: Word) => w.punctuated_word))
})

test('empty input and blank words', () => {
  assert.deepEqual(formatTranscript([], { ...OFF, smartFormat: true, redact: ['pci'], search: ['a'] }),
    { words: [], transcript: '', search: [{ query: 'a', hits: [] }] })
  const blank = [{ word: '', start: 0, end: 1, confidence: 1, punctuated_word: ' ' }]
  assert.deepEqual(formatTranscript(blank, OFF).words, [])
})

test('numerals: every spoken number, digit by digit where said so (Deepgram docs: Numerals)', () => {
  const cases: Array<[string, string]> = [
    ['My account number is nine two eight four seven three seven three nine two three seven',
      'My account number is 9 2 8 4 7 3 7 3 9 2 3 7'],
    ['and then twenty three', 'and then 23'],
    ['nine hundred and nine', '909'],
    ['the nine hundredth time', 'the 900th time'],
    ['two hundred thousand three hundred', '200300'],
    ['I have two kids.', 'I have 2 kids.'],
    ['one of them, no one else', 'one of them, no one else'],
    ['Twenty five!', '25!'],
    ['it was point five', 'it was 0.5'],
    ['it is 25 already', 'it is 25 already']
  ]
  for (const [input, expected] of cases) assert.equal(transcript(input, { numerals: true }), expected, input)
})

test('numerals with smart_format: small numbers become digits too, entities still format', () => {
  assert.equal(transcript('I have two kids and paid twenty five dollars.', { numerals: true, smartFormat: true }), 'I have 2 kids and paid $25.')
  assert.equal(transcript('I have two kids.', { smartFormat: true }), 'I have two kids.')
})

test('measurements: units after a number become Deepgram\'s abbreviations', () => {
  const cases: Array<[string, Partial<TextOptions>, string]> = [
    ['I just ate thirty three grams of pasta and drank fifty five milliliters of water.', { measurements: true },
      'I just ate 33 g of pasta and drank 55 ml of water.'],
    ['5 kilograms, 2 kilometres and 1 meter.', { measurements: true }, '5 kg, 2 km and 1 m.'],
    ['a few grams', { measurements: true }, 'a few grams'],
    ['thirty three grams', { smartFormat: true, measurements: true }, '33 g'],
    ['thirty three grams', { smartFormat: true }, '33 grams']
  ]
  for (const [input, options, expected] of cases) assert.equal(transcript(input, options), expected, input)
})

test('dictation: spoken punctuation commands become marks (requires punctuation)', () => {
  const cases: Array<[string, Partial<TextOptions>, string]> = [
    ['Patient presents with a headache comma nausea comma and vomiting period They report it started two days ago period',
      { dictation: true }, 'Patient presents with a headache, nausea, and vomiting. They report it started two days ago.'],
    ['is it done question mark yes exclamation mark', { dictation: true }, 'is it done? Yes!'],
    ['dear sir colon new line thanks', { dictation: true }, 'dear sir:\nThanks'],
    ['end new paragraph start', { dictation: true }, 'end\n\nStart'],
    ['Headache, comma, nausea.', { dictation: true }, 'Headache, nausea.'],
    ['period at the start', { dictation: true }, 'at the start'],
    ['headache comma nausea', { dictation: true, punctuate: false }, 'headache comma nausea']
  ]
  for (const [input, options, expected] of cases) assert.equal(transcript(input, options), expected, input)
})

test('filler_words: uh and um are stripped unless asked for (whisper rarely writes them)', () => {
  assert.equal(transcript('Um, so we uh went.', {}), 'So we went.')
  assert.equal(transcript('Um, so we uh went.', { fillerWords: true }), 'Um, so we uh went.')
})

test('profanity_filter: profanity becomes asterisks, one per letter; innocent words that contain it stay', () => {
  const cases: Array<[string, string]> = [
    ['What the fuck is this shit?', 'What the **** is this ****?'],
    ['Fucking hell.', '******* hell.'],
    ['The assassin from Scunthorpe passed the class assessment.', 'The assassin from Scunthorpe passed the class assessment.'],
    ['', '']
  ]
  for (const [input, expected] of cases) assert.equal(transcript(input, { profanityFilter: true }), expected, input)
  const r = format('oh shit.', { profanityFilter: true })
  assert.deepEqual(r.words[1], { word: '****', start: 1, end: 1.5, confidence: 0.9, punctuated_word: '****.' })
  assert.equal(transcript('What the fuck', {}), 'What the fuck')
})

// ---- invariants over arbitrary input ----

const VOCAB = ['twenty', 'five', 'dollars', 'and', 'cents', 'one', 'two', 'three', 'oh', 'pm', 'a.m.', 'hundred', 'point',
  'at', 'dot', 'com', 'gmail', 'percent', 'grams', 'comma', 'period', 'new', 'line', 'November', 'second', 'um', 'shit',
  '4444', '555-22-1111', '$25,', 'Hello.', 'café', '日本語', '🙂', '-', 'a', 'x', 'seven']

const wordList = fc.array(fc.oneof(fc.constantFrom(...VOCAB), fc.string({ maxLength: 6 }), fc.string({ unit: 'grapheme', maxLength: 4 })), { maxLength: 40 })
  .chain((ws) => fc.tuple(fc.constant(ws), fc.array(fc.double({ min: 0, max: 2, noNaN: true }), { minLength: ws.length, maxLength: ws.length })))
  .map(([ws, gaps]) => {
    let t = 0
    return ws.map((w, i) => {
      const start = t + (gaps[i] ?? 0)
      const end = start + 0.3
      t = end
      return { word: w.toLowerCase(), start, end, confidence: 0.5 + (i % 5) / 10, punctuated_word: w }
    })
  })

const options = fc.record({
  punctuate: fc.boolean(),
  smartFormat: fc.boolean(),
  numerals: fc.boolean(),
  profanityFilter: fc.boolean(),
  redact: fc.subarray(['pci', 'ssn', 'numbers', 'pii', 'phi', 'true', 'aggressive_numbers', 'bogus']),
  replace: fc.array(fc.record({ find: fc.constantFrom('five', 'dot com', 'x', 'Hello', ''), replace: fc.constantFrom('5', 'y z', '', 'X') }), { maxLength: 3 }),
  search: fc.array(fc.constantFrom('twenty five', 'gmail', 'café', ''), { maxLength: 2 }),
  dictation: fc.boolean(),
  measurements: fc.boolean(),
  fillerWords: fc.boolean()
})

test('property: never throws; times stay ordered and inside the input span; confidences stay in [0, 1]', () => {
  fc.assert(fc.property(wordList, options, (input, opts) => {
    const r = formatTranscript(input, opts)
    const lo = input[0]?.start ?? 0
    const hi = input[input.length - 1]?.end ?? 0
    let prevStart = -Infinity
    for (const w of r.words) {
      assert.ok(w.start >= lo - 1e-9 && w.end <= hi + 1e-9 && w.start <= w.end, JSON.stringify(w))
      assert.ok(w.start >= prevStart - 1e-9, 'starts non-decreasing')
      assert.ok(w.confidence >= 0 && w.confidence <= 1)
      prevStart = w.start
    }
    for (const s of r.search) for (const h of s.hits) assert.ok(h.confidence >= 0 && h.confidence <= 1 && h.start <= h.end)
    // the transcript is made from the words: their punctuated forms, or their plain forms without punctuation
    const punctuated = opts.punctuate || opts.smartFormat
    const joined = punctuated ? r.words.map((w) => w.punctuated_word).join(' ').replace(/\n /g, '\n') : r.words.map((w) => w.word).join(' ')
    assert.equal(r.transcript, joined)
  }), { numRuns: 400 })
})

test('property: redaction leaves no run of three digits in words or transcript', () => {
  fc.assert(fc.property(wordList, options, (input, opts) => {
    const r = formatTranscript(input, { ...opts, redact: ['numbers'] })
    for (const w of r.words) assert.ok(!/\d{3}/.test(w.punctuated_word.replace(/\[[A-Z_]+_\d+\]/g, '')), w.punctuated_word)
  }), { numRuns: 300 })
})

test('property: with every option off the words come back as they went in', () => {
  fc.assert(fc.property(wordList, (input) => {
    const clean = input.filter((w) => w.punctuated_word.trim() !== '' && !['um', 'uh'].includes(w.punctuated_word.toLowerCase()))
    const r = formatTranscript(clean, { ...OFF, fillerWords: true })
    assert.deepEqual(r.words.map((w) => [w.punctuated_word, w.start, w.end]), clean.map((w) => [w.punctuated_word.trim(), w.start, w.end]))
  }), { numRuns: 300 })
})

void words
