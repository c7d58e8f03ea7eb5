import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { parseNumberWords } from '../../../src/transcription/format/number-words.ts'
import { transcript } from './helpers.ts'

const parse = (phrase: string): number | null => parseNumberWords(phrase.split(' '))

function expectAll (cases: Array<[string, number | null]>): void {
  for (const [phrase, expected] of cases) assert.equal(parse(phrase), expected, phrase)
}

test('number words: cardinals, compounds and hundreds', () => {
  expectAll([
    ['zero', 0], ['one', 1], ['nine', 9], ['ten', 10], ['thirteen', 13], ['nineteen', 19], ['twenty', 20], ['ninety', 90],
    ['twenty one', 21], ['forty two', 42], ['ninety nine', 99],
    ['one hundred', 100], ['a hundred', 100], ['hundred', 100], ['one hundred five', 105], ['one hundred and five', 105],
    ['hundred and five', 105], ['nine hundred and nine', 909], ['three hundred twenty', 320], ['nine hundred ninety nine', 999],
    // colloquial hundreds above nine: "twelve hundred", "twenty five hundred"
    ['twelve hundred', 1200], ['nineteen hundred and five', 1905], ['twenty five hundred', 2500]
  ])
})

test('number words: thousands and larger, scales falling', () => {
  expectAll([
    ['a thousand', 1000], ['thousand', 1000], ['one thousand', 1000], ['two thousand twenty six', 2026],
    ['two thousand and twenty six', 2026], ['two thousand twenty four', 2024], ['twenty one thousand', 21000],
    ['twenty five thousand', 25000], ['one hundred one thousand', 101000], ['two hundred thousand three hundred', 200300],
    ['one thousand one hundred and one', 1101],
    ['one hundred and twenty three thousand four hundred and fifty six', 123456],
    ['a million', 1e6], ['one million two', 1000002], ['two million three hundred thousand', 2300000],
    ['one billion two hundred million three', 1200000003],
    ['nine hundred ninety nine trillion nine hundred ninety nine billion nine hundred ninety nine million nine hundred ' +
      'ninety nine thousand nine hundred ninety nine', 999_999_999_999_999]
  ])
})

test('number words: ordinals count to their cardinal, as the last word only', () => {
  expectAll([
    ['first', 1], ['second', 2], ['twelfth', 12], ['twentieth', 20], ['twenty first', 21], ['ninety ninth', 99],
    ['nine hundredth', 900], ['one hundred and first', 101], ['one thousandth', 1000], ['two millionth', 2e6],
    ['first one', null], ['twenty first century', null], ['three point fifth', null]
  ])
})

test('number words: decimals are digit words after "point"', () => {
  expectAll([
    ['point five', 0.5], ['zero point five', 0.5], ['three point five', 3.5], ['three point one four', 3.14],
    ['one point zero five', 1.05], ['three hundred point two five', 300.25], ['zero point one two', 0.12],
    ['three point twenty five', null], ['three point', null], ['point', null], ['one point two point three', null]
  ])
})

test('number words: what is not ONE number is null, never a sum', () => {
  expectAll([
    ['', null], ['nine two', null], ['one zero', null], ['zero five', null], ['twenty twenty', null], ['twenty ten', null],
    ['nineteen eighty four', null], ['ten five', null], ['five twenty', null], ['hundred hundred', null],
    ['nine hundred and nine hundred', null], ['one thousand two thousand', null], ['one million thousand', null],
    ['thousand hundred', null], ['two thousand hundred', null], ['twelve hundred thousand', null], ['zero hundred', null],
    ['one hundred and', null], ['a', null], ['a five', null], ['and', null], ['and five', null], ['one and two', null],
    ['five dollars', null], ['Five', null], ['twenty-one', null]
  ])
  assert.equal(parseNumberWords([]), null)
})

/** English words for 0 <= n < 10^15, as a speaker would say them ("and" after a hundred when `and`). */
function spell (n: number, and: boolean): string[] {
  const small = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
    'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen']
  const tens = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety']
  const below100 = (v: number): string[] => v < 20 ? [small[v] as string] : [tens[Math.floor(v / 10)] as string, ...(v % 10 === 0 ? [] : [small[v % 10] as string])]
  const below1000 = (v: number): string[] => {
    if (v < 100) return below100(v)
    const rest = v % 100
    return [small[Math.floor(v / 100)] as string, 'hundred', ...(rest === 0 ? [] : [...(and ? ['and'] : []), ...below100(rest)])]
  }
  if (n === 0) return ['zero']
  const out: string[] = []
  for (const [scale, name] of [[1e12, 'trillion'], [1e9, 'billion'], [1e6, 'million'], [1e3, 'thousand']] as const) {
    const g = Math.floor(n / scale) % 1000
    if (g !== 0) out.push(...below1000(g), name)
  }
  if (n % 1000 !== 0) out.push(...below1000(n % 1000))
  return out
}

test('property: every whole number up to 10^15, spelt out with or without "and", reads back as itself', () => {
  assert.deepEqual(spell(2026, false), ['two', 'thousand', 'twenty', 'six']) // the speller itself
  fc.assert(fc.property(fc.oneof(fc.nat(1_000_000), fc.integer({ min: 0, max: 999_999_999_999_999 })), fc.boolean(), (n, and) => {
    assert.equal(parseNumberWords(spell(n, and)), n)
  }), { numRuns: 2000 })
})

test('property: two numbers said one after the other are never read as one', () => {
  // a number ending below a hundred, then one starting below a hundred: "twenty one | five", "nine | twelve thousand"
  fc.assert(fc.property(fc.integer({ min: 1, max: 99_999 }), fc.integer({ min: 1, max: 99 }), (a, b) => {
    const first = spell(a, false)
    fc.pre(a % 100 !== 0 && !(a % 100 >= 20 && a % 10 === 0 && b < 10))
    assert.equal(parseNumberWords([...first, ...spell(b, false)]), null, `${first.join(' ')} ${spell(b, false).join(' ')}`)
  }), { numRuns: 1000 })
})

test('numerals and smart_format read large numbers whole (words-to-numbers read these as 1020, $5,020 and 3576)', () => {
  assert.equal(transcript('twenty one thousand people', { numerals: true }), '21000 people')
  assert.equal(transcript('It costs twenty five thousand dollars.', { smartFormat: true }), 'It costs $25,000.')
  assert.equal(transcript('one hundred and twenty three thousand four hundred and fifty six', { numerals: true }), '123456')
  assert.equal(transcript('twenty five hundred', { numerals: true }), '2500')
})
