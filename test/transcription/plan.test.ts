// The request plan on a real engine over generated model files: aliases, the English-only rule read from the file
// header, languages. Nothing here decodes audio: a plan is settled before any.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseAliases } from '../../src/engine/aliases.ts'
import { Engine, type EngineOptions } from '../../src/engine/engine.ts'
import { AppError } from '../../src/errors.ts'
import { planTranscription } from '../../src/transcription/plan.ts'
import { installTestModel } from '../helpers/models.ts'

const root = mkdtempSync(join(tmpdir(), 'earshot-plan-'))
after(() => rmSync(root, { recursive: true, force: true }))
let n = 0

/** name -> arch: 'tiny.en' files are English-only (n_vocab 51864), 'small-test' files multilingual. */
function engineWith (models: Record<string, 'tiny.en' | 'small-test'>, opts: Partial<EngineOptions> = {}): Engine {
  const dir = join(root, `m${n++}`)
  for (const [name, arch] of Object.entries(models)) installTestModel(dir, arch, name)
  return new Engine({
    modelsDir: dir, defaultModel: Object.keys(models)[0] ?? 'none', concurrency: 1, threads: 1, queueMax: 8,
    maxLoadedModels: 1, defaultAudioCtx: 'auto', ...opts
  })
}

const badRequest = (pattern: RegExp) => (err: unknown): boolean => {
  assert.ok(err instanceof AppError, String(err))
  assert.equal(err.statusCode, 400)
  assert.match(err.message, pattern)
  return true
}

test("Deepgram's and OpenAI's model names resolve to DEFAULT_MODEL, its .en variant for English requests", async () => {
  const engine = engineWith({ base: 'small-test', 'base.en': 'tiny.en', tiny: 'small-test' })
  const model = async (name: string, language?: string, detectLanguage?: boolean): Promise<string> =>
    (await planTranscription(engine.models, { model: name, language, detectLanguage })).model.name
  for (const name of ['nova-3', 'nova-3-general', 'nova-3-medical', 'nova-2', 'nova-2-phonecall', 'nova', 'nova-general',
    'enhanced', 'enhanced-meeting', 'base-general', 'general', 'meeting', 'phonecall', 'finance', 'conversationalai',
    'voicemail', 'video', 'whisper-1', 'gpt-4o-transcribe', 'gpt-4o-mini-transcribe',
    'gpt-4o-transcribe-2025-03-20', 'gpt-4o-mini-transcribe-2025-12-15', 'NOVA-3']) {
    assert.equal(await model(name), 'base.en', `${name}, no language (Deepgram's default is English)`)
    assert.equal(await model(name, 'en-US'), 'base.en', `${name}, en-US`)
    assert.equal(await model(name, 'de'), 'base', `${name}, de`)
    assert.equal(await model(name, undefined, true), 'base', `${name}, detection`)
  }
  // an installed name is never an alias: Deepgram's `base` tier only applies when no whisper `base` is installed
  assert.equal(await model('base'), 'base')
  // Deepgram's whisper sizes -> the matching installed whisper model
  assert.equal(await model('whisper-tiny'), 'tiny')
  assert.equal(await model('whisper-tiny', 'fr'), 'tiny')
  assert.equal(await model('whisper-base'), 'base.en')
  assert.equal(await model('whisper-base', 'fr'), 'base')
  await assert.rejects(model('whisper-large'), badRequest(/^Model 'whisper-large' is an alias of 'large-v3' or .*not installed\. Installed models: base, base\.en, tiny\.$/))
  // no model named: DEFAULT_MODEL itself, never an alias of it
  assert.equal((await planTranscription(engine.models, {})).model.name, 'base')
  await engine.close()
})

test('an unknown name is a 400 listing the installed models and the aliases; MODEL_ALIASES adds and overrides', async () => {
  const engine = engineWith({ 'tiny.en': 'tiny.en', custom: 'small-test' }, {
    aliases: parseAliases('nova-3-medical=custom, my-app-*=custom|tiny.en, gpt-4o-transcribe=custom')
  })
  await assert.rejects(planTranscription(engine.models, { model: 'large-v9' }),
    badRequest(/^Unknown model 'large-v9'\. Installed models: custom, tiny\.en\. Aliases \(MODEL_ALIASES\): nova-3-medical, my-app-\*, gpt-4o-transcribe, nova-3, .*gpt-4o-mini-transcribe-\*\.$/))
  const name = async (model: string, language?: string): Promise<string> => (await planTranscription(engine.models, { model, language })).model.name
  assert.equal(await name('nova-3-medical'), 'custom') // user rule beats the built-in nova-3-*
  assert.equal(await name('nova-3'), 'tiny.en') // built-in: DEFAULT_MODEL tiny.en
  assert.equal(await name('my-app-v2'), 'custom')
  assert.equal(await name('gpt-4o-transcribe'), 'custom')
  assert.equal(await name('gpt-4o-transcribe-2025-03-20'), 'tiny.en') // the built-in prefix rule still applies
  assert.throws(() => parseAliases('nova-3'), /name=model/)
  assert.throws(() => parseAliases('a*b=c'), /'a\*b=c'/)
  await engine.close()
})

test('the English-only rule reads the model file, not its name', async () => {
  // an English-only file under a neutral name, a multilingual one under an `.en`-looking name
  const engine = engineWith({ plain: 'tiny.en', 'odd.en': 'small-test' })
  await assert.rejects(planTranscription(engine.models, { model: 'plain', language: 'fr' }),
    badRequest(/^Model 'plain' is English-only and cannot transcribe language 'fr'\.$/))
  const plain = await planTranscription(engine.models, { model: 'plain', language: 'en-GB' })
  assert.equal(plain.model.multilingual, false)
  assert.equal(plain.language, 'en')
  const odd = await planTranscription(engine.models, { model: 'odd.en', language: 'de-DE' })
  assert.equal(odd.model.multilingual, true)
  assert.equal(odd.language, 'de')
  // detection on an English-only model is allowed (it reports English), translation is not
  assert.equal((await planTranscription(engine.models, { model: 'plain', detectLanguage: true })).detectLanguage, true)
  await assert.rejects(planTranscription(engine.models, { model: 'plain', task: 'translate', detectLanguage: true }), badRequest(/cannot translate/))
  await assert.rejects(planTranscription(engine.models, { model: 'odd.en', language: 'klingon' }), badRequest(/^Unsupported language 'klingon'\.$/))
  await assert.rejects(planTranscription(engine.models, { model: 'odd.en', language: 'yue' }), badRequest(/large-v3/))
  await assert.rejects(planTranscription(engine.models, { model: 'odd.en', temperature: 3 }), badRequest(/temperature/))
  await engine.close()
})

test('a plan carries defaults for every text option', async () => {
  const engine = engineWith({ 'tiny.en': 'tiny.en' })
  const plan = await planTranscription(engine.models, { prompt: '  ', text: { numerals: true, punctuate: undefined }, multichannel: true })
  assert.equal(plan.promptTokens, undefined)
  assert.deepEqual(plan.notes, [])
  assert.equal(plan.task, 'transcribe')
  assert.equal(plan.text.punctuate, true)
  assert.equal(plan.text.numerals, true)
  assert.deepEqual(plan.text.redact, [])
  assert.equal(plan.multichannel, true)
  await engine.close()
})

test('every text a request carries is bounded before anything reads it, each refusal naming its field', async () => {
  const engine = engineWith({ 'tiny.en': 'tiny.en' })
  const long = 'x'.repeat(1 << 20)
  const refused = async (request: Parameters<typeof planTranscription>[1], field: string, pattern: RegExp): Promise<void> => {
    await assert.rejects(planTranscription(engine.models, request), (err: unknown) => {
      assert.ok(err instanceof AppError && err.statusCode === 400, String(err))
      assert.equal(err.field, field)
      assert.match(err.message, pattern)
      assert.ok(err.message.length < 1024, `a short message, not the input: ${err.message.length} characters`)
      return true
    })
  }
  await refused({ model: long }, 'model', /model is 1048576 characters long; at most 128/)
  await refused({ model: 'y'.repeat(100) }, 'model', /^Unknown model 'y{40}'… \(100 characters\)/)
  await refused({ language: long }, 'language', /at most 35/)
  await refused({ language: 'zz-\u0000\u202e' }, 'language', /^Unsupported language 'zz-\\u0000\u202e'\.$/)
  await refused({ prompt: long }, 'prompt', /prompt is 1048576 characters long; at most 8192/)
  await refused({ prompt: long, names: { prompt: 'initial_prompt' } }, 'initial_prompt', /^initial_prompt is/)
  await refused({ terms: { values: [long] }, names: { terms: 'keyterm' } }, 'keyterm', /at most 8192/)
  await refused({ text: { search: new Array(101).fill('a') } }, 'search', /101 values; at most 100/)
  await refused({ text: { search: ['s'.repeat(101)] } }, 'search', /longer than 100 characters/)
  await refused({ text: { replace: [{ find: 'a', replace: long }] } }, 'replace', /longer than 200/)
  await refused({ text: { redact: new Array(51).fill('pci') } }, 'redact', /at most 50/)
  await engine.close()
})

test("a prompt past whisper's window: free text keeps its last 223 tokens, terms keep the leading terms that fit", async () => {
  const engine = engineWith({ 'tiny.en': 'tiny.en' })
  const model = await engine.models.describeModel()
  const tokenizer = await engine.models.tokenizer(model)
  // 400 short words: well past the window in any vocabulary
  const words = Array.from({ length: 400 }, (_, i) => `w${i}`)
  const text = words.join(' ')
  const all = tokenizer.encode(text)
  assert.ok(all.length > 223)
  const cut = await planTranscription(engine.models, { prompt: text })
  assert.deepEqual(cut.promptTokens, all.slice(-223), 'the oldest part is left out, as OpenAI documents for whisper-1')
  assert.equal(cut.notes.length, 1)
  assert.match(cut.notes[0]?.message ?? '', new RegExp(`^prompt: ${all.length} tokens; whisper reads the last 223, so the first ${all.length - 223} were left out\\.$`))

  const short = await planTranscription(engine.models, { prompt: '  w1 w2  ' })
  assert.deepEqual(short.promptTokens, tokenizer.encode('w1 w2'))
  assert.deepEqual(short.notes, [])

  const terms = await planTranscription(engine.models, { terms: { values: words, maxTokens: 5000 }, names: { terms: 'keyterm' } })
  const tokens = terms.promptTokens ?? []
  assert.ok(tokens.length <= 223 && tokens.length > 200, `${tokens.length} tokens`)
  const kept = Number(/the first (\d+) of 400 terms are used/.exec(terms.notes[0]?.message ?? '')?.[1])
  assert.deepEqual(tokens, tokenizer.encode(words.slice(0, kept).join(', ')), 'whole leading terms, in order')
  assert.ok(tokenizer.encode(words.slice(0, kept + 1).join(', ')).length > 223, 'as many as fit')
  assert.equal(terms.notes[0]?.field, 'keyterm')

  await assert.rejects(planTranscription(engine.models, { terms: { values: words, maxTokens: 500 }, names: { terms: 'keyterm' } }),
    { statusCode: 400, field: 'keyterm', message: /^keyterm: the terms come to \d+ tokens; at most 500 are accepted\.$/ })
  await engine.close()
})
