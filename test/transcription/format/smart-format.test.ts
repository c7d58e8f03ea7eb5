import assert from 'node:assert/strict'
import { test } from 'node:test'
import { format, transcript } from './helpers.ts'

const smart = { smartFormat: true }

test('smart_format: Deepgram\'s documented example, sentence by sentence', () => {
  const cases: Array<[string, string]> = [
    ["I'm recording this at eight thirty seven pm on Wednesday, it's November second twenty twenty two.",
      "I'm recording this at 8:37 PM on Wednesday, it's November 2 2022."],
    ['I just ate thirty three grams of pasta and then drank fifty five milliliters of water at three hundred Main Street.',
      'I just ate 33 grams of pasta and then drank 55 milliliters of water at 300 Main Street.'],
    ['Then I walked down to one two three southeast Main Street.', 'Then I walked down to 123 southeast Main Street.']
  ]
  for (const [input, expected] of cases) assert.equal(transcript(input, smart), expected, input)
})

test('smart_format: numbers', () => {
  const cases: Array<[string, string]> = [
    ['twenty five people came', '25 people came'],
    ['Twenty-five people came.', '25 people came.'],
    ['I have two kids.', 'I have two kids.'], // lone small numbers stay words
    ['one hundred and five', '105'],
    ['two thousand twenty four', '2024'],
    ['a hundred people', '100 people'],
    ['three point five stars', '3.5 stars'],
    ['the twenty first century', 'the 21st century'],
    ['wait a second, first of all', 'wait a second, first of all'],
    ['no one came, the one I like', 'no one came, the one I like'],
    ['one, two, three', 'one, two, three'], // counted with pauses: separate words
    ['In nineteen seventy six we moved.', 'In 1976 we moved.'],
    ['back in twenty oh five', 'back in 2005'],
    ['since twenty ten', 'since 2010'],
    ['It was 25 already.', 'It was 25 already.'],
    ['', '']
  ]
  for (const [input, expected] of cases) assert.equal(transcript(input, smart), expected, input)
})

test('smart_format: money, percent, times, dates', () => {
  const cases: Array<[string, string]> = [
    ['It costs twenty five dollars.', 'It costs $25.'],
    ['It costs twenty five dollars and fifty cents, right?', 'It costs $25.50, right?'],
    ['five dollars', '$5'],
    ['two thousand euros', '€2,000'],
    ['It was $25 already.', 'It was $25 already.'],
    ['about ten percent more', 'about 10% more'],
    ['five percent.', '5%.'],
    ['at eight pm', 'at 8 PM'],
    ['at eight oh five pm', 'at 8:05 PM'],
    ['at 8.37 p.m. on Monday', 'at 8:37 PM on Monday'],
    ['at 8:37 p.m. Then we left.', 'at 8:37 PM. Then we left.'],
    ['I am here', 'I am here'],
    ['see you at eight thirty', 'see you at 8:30'],
    ['meet around ten fifteen tomorrow', 'meet around 10:15 tomorrow'],
    ['by seven oh five', 'by 7:05'],
    ['at 8:37 pm', 'at 8:37 PM'],
    ['what is the point five times', 'what is the point five times'],
    ['One point. Point one is time.', 'One point. Point one is time.'],
    ['the score was point five', 'the score was 0.5'],
    ['three point one four', '3.14'],
    ['on november second', 'on November 2'],
    ['on November 2nd, 2022', 'on November 2, 2022'],
    ['on march twenty first', 'on March 21']
  ]
  for (const [input, expected] of cases) assert.equal(transcript(input, smart), expected, input)
})

test('smart_format: two numbers side by side are a time only after at, by, around… or before am/pm', () => {
  assert.ok(!transcript('eight thirty people came', smart).includes(':'))
  assert.ok(!transcript('chapter ten fifteen', smart).includes(':'))
})

test('smart_format: phone numbers, e-mail addresses, URLs', () => {
  const cases: Array<[string, string]> = [
    ['Call five five five two one two four three nine four.', 'Call 555-212-4394.'],
    ['dial two one two four three nine four now', 'dial 212-4394 now'],
    ['extension five oh one', 'extension 501'],
    ['Call five five five, two one two, four three nine four.', 'Call 555-212-4394.'],
    ['Scores: one two three, four five six.', 'Scores: 123, 456.'],
    ['talk to me at example dot com', 'talk to me at example.com'],
    ['my site is example dot co dot uk.', 'my site is example.co.uk.'],
    ['Email john dot smith at gmail dot com today.', 'Email john.smith@gmail.com today.'],
    ['write to me at jane at example dot org', 'write to me at jane@example.org'],
    ['Visit www dot example dot com.', 'Visit www.example.com.'],
    ['go to deepgram dot com', 'go to deepgram.com'],
    ['the dot com bubble', 'the dot com bubble'],
    ['meet me at noon', 'meet me at noon']
  ]
  for (const [input, expected] of cases) assert.equal(transcript(input, smart), expected, input)
})

test('smart_format: a joined entity is one word with the first start, the last end and the mean confidence', () => {
  const r = format('It costs twenty five dollars.', smart)
  assert.deepEqual(r.words.map((w) => w.punctuated_word), ['It', 'costs', '$25.'])
  const money = r.words[2]
  assert.equal(money?.word, '25')
  assert.equal(money?.start, 2)
  assert.equal(money?.end, 4.5)
  assert.equal(money?.confidence, 0.9)
})

test('smart_format implies punctuation even with punctuate=false', () => {
  assert.equal(transcript('Yep. I said twenty five.', { smartFormat: true, punctuate: false }), 'Yep. I said 25.')
})
