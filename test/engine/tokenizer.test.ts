// earshot's tokenizer (src/engine/tokenizer.ts) against whisper_tokenize itself, and the addon's own refusal of
// input that would overflow it (defence in depth: the plan bounds prompts before they get here).
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { loadNativeModel, type NativeModel } from '../../src/engine/binding.ts'
import { WhisperTokenizer } from '../../src/engine/tokenizer.ts'
import { testAudio, testModel } from '../helpers/models.ts'

// Both vocabularies the generator writes (English-only and multilingual): 256 single bytes, the phrase's words
// and 50k space-led syllable strings (" kalo", " mine"…), so the longest-first match has real choices to make.
const models = new Map<string, { native: NativeModel, js: WhisperTokenizer }>()
async function pair (arch: 'tiny.en' | 'small-test'): Promise<{ native: NativeModel, js: WhisperTokenizer }> {
  let p = models.get(arch)
  if (p === undefined) {
    const path = testModel(arch)
    p = { native: await loadNativeModel(path), js: await WhisperTokenizer.fromFile(path) }
    models.set(arch, p)
  }
  return p
}
after(async () => { for (const { native } of models.values()) await native.free() })

const CASES = [
  '', 'hello world', "It's what we'd've said, isn't it?", '  two  spaces   and a tab\there\n\nnewlines  ',
  'kalomine rusato videpo', ' kalo kalomi kalominerusa', 'Deepgram, nova-3; whisper.cpp 1.9.1 (2026-12-08)!',
  '12345 678.90 3rd 1st', '...---!!!???', 'café naïve über', '日本語のテキスト', '🎙️ emoji 👍🏽 mix', 'Ωmega\u0085x\u00a0y',
  '\u000b\u000cvertical', "'s't're've'm'll'd", 'trailing space ', ' ', '\t', 'a'.repeat(1000), 'x1y2z3'.repeat(100),
  '\ud800 lone surrogate \udfff', 'before\u0000after'
]

for (const arch of ['tiny.en', 'small-test'] as const) {
  test(`${arch}: the same ids as whisper_tokenize on words, punctuation, digits, whitespace and UTF-8`, async () => {
    const { native, js } = await pair(arch)
    for (const text of CASES) assert.deepEqual(js.encode(text), native.tokenize(text), JSON.stringify(text.slice(0, 60)))
  })
}

test('the same ids as whisper_tokenize on random text up to the addon\'s 1024 bytes', async () => {
  const { native, js } = await pair('small-test')
  const piece = fc.oneof(
    fc.constantFrom(' kalo', 'mi', ' ne', 'ru', ' sa', 'to', "'s", "'ll", ' ', '  ', '\t', '\n', ',', '.', '-', '1', '42'),
    fc.string({ maxLength: 6 }),
    fc.string({ unit: 'grapheme', maxLength: 3 }),
    fc.string({ unit: 'binary', maxLength: 3 })
  )
  const text = fc.array(piece, { maxLength: 120 }).map((p) => p.join(''))
    .filter((t) => Buffer.byteLength(t, 'utf8') <= 1024)
  fc.assert(fc.property(text, (t) => { assert.deepEqual(js.encode(t), native.tokenize(t)) }), { numRuns: 400 })
})

test('long runs without spaces tokenize in one pass: 1 MB of letters is 1 MB of covered bytes', async () => {
  const { js } = await pair('small-test')
  // whisper's own split overflowed the stack on ~45 KB of this; here the cost is one bounded match per token
  const ids = js.encode('a'.repeat(1 << 20))
  assert.ok(ids.length > 0 && ids.length <= 1 << 20)
  assert.equal(js.window, 223) // n_text_ctx 448: whisper keeps the last 223 prompt tokens
})

test('the addon refuses a prompt it must not tokenize, token ids it cannot take, and options out of range', async () => {
  const { native, js } = await pair('small-test')
  const mb = 'x'.repeat(1 << 20)
  assert.throws(() => native.tokenize(mb), { name: 'RangeError', message: /longer than 1024 bytes/ })
  const pcm = testAudio(2)
  const refuse = async (job: Record<string, unknown>, message: RegExp): Promise<void> => {
    await assert.rejects(native.transcribe({ pcm, threads: 1, language: 'en', ...job }), { message })
  }
  await refuse({ prompt: mb }, /prompt is longer than 1024 bytes/)
  await refuse({ promptTokens: new Array(225).fill(300) }, /promptTokens holds 225 tokens; the model takes at most 224/)
  await refuse({ promptTokens: [native.info.eot] }, /not a text token/) // <|endoftext|> and every special token after it
  await refuse({ promptTokens: [-1] }, /not a text token/)
  await refuse({ prompt: 'a', promptTokens: [300] }, /not both/)
  await refuse({ language: 'e'.repeat(1 << 16) }, /language is longer than 16 bytes/)
  await refuse({ threads: Number.NaN }, /threads must be a number/)
  await refuse({ threads: 1e9 }, /threads must be a number from 1 to 256/)
  await refuse({ audioCtx: 1e12 }, /audioCtx must be a number from 0 to 1048576/)
  await refuse({ temperature: Number.POSITIVE_INFINITY }, /temperature must be a number/)
  // and after all that the model decodes normally, with a prompt given as tokens
  const ok = await native.transcribe({ pcm, threads: 1, language: 'en', promptTokens: js.encode(' kalo mi').slice(0, 224) })
  assert.ok(ok.segments.length > 0)
})

test('a prompt given as tokens decodes exactly as whisper decodes the same prompt as text', async () => {
  // three fresh models: a pooled state's history would otherwise shift the last bits of the probabilities
  const path = testModel('small-test')
  const prompt = ' kalo minerusa, tovi; 42 depo.'
  const tokens = (await WhisperTokenizer.fromFile(path)).encode(prompt)
  const run = async (job: { prompt?: string, promptTokens?: number[] }): Promise<number[]> => {
    const model = await loadNativeModel(path)
    try {
      const r = await model.transcribe({ pcm: testAudio(3), threads: 1, language: 'en', ...job })
      return r.segments.flatMap((s) => s.tokens.map((t) => t.plog))
    } finally {
      await model.free()
    }
  }
  const asText = await run({ prompt })
  const asTokens = await run({ promptTokens: tokens })
  const none = await run({})
  assert.deepEqual(asTokens, asText)
  assert.notDeepEqual(none, asText, 'the prompt changes the decode (otherwise this test could not fail)')
})
