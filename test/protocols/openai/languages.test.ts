import { test } from 'node:test'
import assert from 'node:assert/strict'
import { WHISPER_LANGUAGES } from '../../../src/engine/languages.ts'
import { languageCode, languageName } from '../../../src/protocols/openai/languages.ts'

test('every language whisper knows has its lower-case English name, as OpenAI reports it', () => {
  for (const code of WHISPER_LANGUAGES) {
    const name = languageName(code)
    assert.notEqual(name, code, `no name for '${code}'`)
    assert.match(name, /^[a-z ]+$/, code)
    assert.equal(languageCode(name), code, `round trip of '${code}'`)
  }
  assert.equal(languageName('en'), 'english')
  assert.equal(languageName('DE'), 'german')
  assert.equal(languageName('yue'), 'cantonese')
  assert.equal(languageName('my'), 'myanmar')
  assert.equal(new Set(WHISPER_LANGUAGES.map(languageName)).size, WHISPER_LANGUAGES.length, 'names are unique')
})

test('names clients echo back map to codes; codes and tags pass through', () => {
  assert.equal(languageCode('English'), 'en')
  assert.equal(languageCode(' haitian creole '), 'ht')
  assert.equal(languageCode('de'), 'de')
  assert.equal(languageCode('pt-BR'), 'pt-BR')
  assert.equal(languageName('xx'), 'xx')
})
