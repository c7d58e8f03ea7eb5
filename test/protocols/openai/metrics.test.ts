import { test } from 'node:test'
import assert from 'node:assert/strict'
import { avgLogprob, compressionRatio, tokenLogprob } from '../../../src/protocols/openai/metrics.ts'

test('compression_ratio equals openai-whisper\'s (Python zlib.compress) to the byte', () => {
  // reference values: len(b) / len(zlib.compress(b)) in CPython 3 for the same strings
  assert.equal(compressionRatio(' The beach was a popular spot on a hot summer day.'), 50 / 55)
  assert.equal(compressionRatio(' And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.'), 108 / 79)
  assert.equal(compressionRatio(' hello'.repeat(40)), 240 / 17)
  assert.equal(compressionRatio(' Größe'), 8 / 16)
  assert.equal(compressionRatio(''), 0)
  assert.ok(compressionRatio(' again and again'.repeat(10)) > 2.4, 'repetition is flagged by the usual threshold')
})

test('avg_logprob is the mean token log-probability, from logprob when the engine gives one', () => {
  assert.equal(tokenLogprob({ probability: 0.5 }), Math.log(0.5))
  assert.equal(tokenLogprob({ probability: 0.5, logprob: -0.1 }), -0.1)
  assert.equal(tokenLogprob({ probability: 1 }), 0)
  assert.ok(Number.isFinite(tokenLogprob({ probability: 0 })), 'p = 0 stays finite')
  assert.ok(Number.isFinite(tokenLogprob({ probability: Number.NaN })))
  assert.equal(tokenLogprob({ probability: 0.2, logprob: Number.NaN }), Math.log(0.2))
  assert.ok(Math.abs(avgLogprob([{ probability: 0.5 }, { probability: 0.25 }]) - (Math.log(0.5) + Math.log(0.25)) / 2) < 1e-12)
  assert.equal(avgLogprob([]), 0)
})
