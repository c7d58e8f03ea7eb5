import { test } from 'node:test'
import assert from 'node:assert/strict'
import { completePrefix, joinTokenBytes } from '../../src/engine/token-text.ts'
import { tokensToWords } from '../../src/transcription/words.ts'

const b = (...parts: Array<string | number[]>): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))))

test('completePrefix leaves an unfinished UTF-8 sequence out', () => {
  assert.equal(completePrefix(b('abc')), 3)
  assert.equal(completePrefix(b(' ', [0xc3])), 1) // first byte of é
  assert.equal(completePrefix(b([0xe6, 0x97])), 0) // two of the three bytes of 日
  assert.equal(completePrefix(b('日')), 3)
  assert.equal(completePrefix(b([0xf0, 0x9f, 0x98])), 0) // 3 of 4 bytes of an emoji
})

test('a character split over two tokens comes out whole, on the token that completes it', () => {
  // " café" as " caf" + "\xc3" + "\xa9" and "日本" split inside both characters
  const tokens = [b(' caf', [0xc3]), b([0xa9]), b(' ', [0xe6, 0x97]), b([0xa5, 0xe6]), b([0x9c, 0xac])]
  const texts = joinTokenBytes(tokens)
  assert.deepEqual(texts, [' caf', 'é', ' ', '日', '本'])
  assert.equal(texts.join(''), Buffer.concat(tokens).toString('utf8'))
  assert.ok(!texts.join('').includes('\uFFFD'))
})

test('the carry crosses segment boundaries', () => {
  const carry = { pending: new Uint8Array(0) }
  assert.deepEqual(joinTokenBytes([b(' na', [0xc3])], carry), [' na'])
  assert.deepEqual(joinTokenBytes([b([0xaf], 've')], carry), ['ïve'])
  assert.equal(carry.pending.length, 0)
})

test('words: a space-only token passes its word start to the character completed by the next token', () => {
  const texts = joinTokenBytes([b(' Hello'), b(' ', [0xc3]), b([0xa9], 't', [0xc3]), b([0xa9])])
  const tok = (text: string, i: number) => ({ id: i, text, start: i / 10, end: (i + 1) / 10, probability: 0.9, logprob: -0.1 })
  const r = tokensToWords(texts.map(tok), { duration: 1 })
  assert.deepEqual(r.words.map((w) => w.punctuated_word), ['Hello', 'été'])
})
