import assert from 'node:assert/strict'
import { test } from 'node:test'
import { format, transcript } from './helpers.ts'

test('redact: Deepgram\'s documented placeholders, entity type and count', () => {
  const cases: Array<[string, string[], string]> = [
    ['My card number is 4444 9999 3333 2222 with an expiration date of 1 23 and the cvv code is 111.', ['pci'],
      'My card number is [CREDIT_CARD_1] with an expiration date of [CREDIT_CARD_EXPIRATION_1] and the cvv code is [CVV_1].'],
    // spoken digits, as in Deepgram's docs
    ['my credit card number is four four four four nine nine nine nine three three three three two two two two with an expiration date of one twenty three and the cvv code is one one one', ['pci'],
      'my credit card number is [CREDIT_CARD_1] with an expiration date of [CREDIT_CARD_EXPIRATION_1] and the cvv code is [CVV_1]'],
    ['My social security number is five five five two two one one one one and his is six six six two two one three three three', ['ssn'],
      'My social security number is [SSN_1] and his is [SSN_2]'],
    ['SSN 555-22-1111, thanks.', ['ssn'], 'SSN [SSN_1], thanks.'],
    ['card 4111-1111-1111-1111.', ['pci'], 'card [CREDIT_CARD_1].'],
    ['I am 42 and live at 300 Main Street.', ['numbers'], 'I am 42 and live at [NUMERICAL_PII_1] Main Street.'],
    ['I am 42 and live at 300 Main Street.', ['true'], 'I am 42 and live at [NUMERICAL_PII_1] Main Street.'],
    ['I am 42 years old.', ['aggressive_numbers'], 'I am [AGE_1] years old.'],
    ['It has 42 pages.', ['aggressive_numbers'], 'It has [NUMERICAL_PII_1] pages.'],
    // dates and ages belong to Deepgram's numbers group even when shorter than three numerals
    ['born on November 2, 2022 and now aged 3.', ['numbers'], 'born on [DATE_1] and now aged [AGE_1].'],
    ['born on november second', ['numbers'], 'born on [DATE_1]'],
    ['he is forty two years old', ['numbers'], 'he is [AGE_1] years old'],
    ['due 11/02/2022, ok', ['numbers'], 'due [DATE_1], ok'],
    ['born on November 2, 2022', ['pci'], 'born on November 2, 2022'],
    ['order AB1234 shipped', ['numbers'], 'order [NUMERICAL_PII_1] shipped'],
    ['order AB12 shipped', ['numbers'], 'order AB12 shipped'],
    ['call me at 555-212-4394 or 555 212 4394', ['numbers'], 'call me at [PHONE_NUMBER_1] or [PHONE_NUMBER_2]'],
    ['call me at 555-212-4394, or mail bob@example.com', ['pii'], 'call me at [PHONE_NUMBER_1], or mail [EMAIL_ADDRESS_1]'],
    // a spoken address is found without smart_format; a URL found on the way is left as said
    ['mail john dot smith at gmail dot com or see www dot example dot com', ['pii'], 'mail [EMAIL_ADDRESS_1] or see www dot example dot com'],
    ['medical record number 1234567', ['phi'], 'medical record number [HEALTHCARE_NUMBER_1]'],
    // nothing sensitive: the words stay as whisper wrote them, spoken numbers too
    ['I have two kids and twenty five cats.', ['pci', 'ssn'], 'I have two kids and twenty five cats.'],
    ['one two', ['numbers'], 'one two'],
    ['nothing to hide', ['pci', 'ssn', 'numbers'], 'nothing to hide'],
    ['unknown values are ignored 1234', ['names', 'false'], 'unknown values are ignored 1234'],
    ['', ['pci'], '']
  ]
  for (const [input, redact, expected] of cases) assert.equal(transcript(input, { redact }), expected, `${input} ${redact.join(',')}`)
})

test('redact: one placeholder word spans every word it hides, in word, punctuated_word and transcript', () => {
  const r = format('pin four four four four nine nine nine nine three three three three two two two two.', { redact: ['pci'] })
  assert.equal(r.words.length, 2)
  const hidden = r.words[1]
  assert.equal(hidden?.word, '[CREDIT_CARD_1]')
  assert.equal(hidden?.punctuated_word, '[CREDIT_CARD_1].')
  assert.equal(hidden?.start, 1)
  assert.equal(hidden?.end, 16.5)
  assert.equal(r.transcript, 'pin [CREDIT_CARD_1].')
  assert.ok(!r.transcript.includes('4') && !r.words.some((w) => /four|4/.test(w.word)))
})

test('redact works after smart_format and numerals, on what they wrote', () => {
  assert.equal(transcript('Call five five five two one two four three nine four.', { smartFormat: true, redact: ['numbers'] }),
    'Call [PHONE_NUMBER_1].')
  assert.equal(transcript('Email john at gmail dot com now', { smartFormat: true, redact: ['pii'] }), 'Email [EMAIL_ADDRESS_1] now')
  assert.equal(transcript('My number is nine two eight four seven three.', { numerals: true, redact: ['numbers'] }),
    'My number is [NUMERICAL_PII_1].')
  // numerals asked for: what is not redacted stays converted
  assert.equal(transcript('twenty five cats and 4111 1111 1111 1111', { numerals: true, redact: ['pci'] }), '25 cats and [CREDIT_CARD_1]')
})

test('redact and replace overlap: redaction runs last, so a replacement cannot bring digits back', () => {
  assert.equal(transcript('code red is 123456', { replace: [{ find: 'red', replace: '999' }], redact: ['numbers'] }),
    'code [NUMERICAL_PII_1] is [NUMERICAL_PII_2]')
  // a replacement over a number that is then redacted
  assert.equal(transcript('ssn 555-22-1111', { replace: [{ find: 'ssn', replace: 'social security' }], redact: ['ssn'] }),
    'social security [SSN_1]')
})

test('redact with punctuate=false: placeholders in the plain transcript', () => {
  assert.equal(transcript('My SSN is 555-22-1111.', { punctuate: false, redact: ['ssn'] }), 'my ssn is [SSN_1]')
})
