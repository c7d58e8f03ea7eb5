// The engine on the real binding with synthetic models (they transcribe every window as TEST_PHRASE).
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AppError } from '../../src/errors.ts'
import { Engine, effectiveAudioCtx, type EngineOptions } from '../../src/engine/engine.ts'
import { segmentsToWords } from '../../src/transcription/words.ts'
import { loadNativeModel } from '../../src/engine/binding.ts'
import { installTestModel, testAudio, testModel, TEST_PHRASE } from '../helpers/models.ts'

const root = mkdtempSync(join(tmpdir(), 'earshot-engine-'))
after(() => rmSync(root, { recursive: true, force: true }))
let n = 0

/** An engine over a fresh models dir holding the given models (name -> arch). */
function makeEngine (models: Record<string, 'tiny.en' | 'small-test'>, opts: Partial<EngineOptions> = {}): Engine {
  const dir = join(root, `m${n++}`)
  for (const [name, arch] of Object.entries(models)) installTestModel(dir, arch, name)
  return new Engine({
    modelsDir: dir, defaultModel: Object.keys(models)[0] ?? 'none', concurrency: 1, threads: 1, queueMax: 8,
    maxLoadedModels: 2, defaultAudioCtx: 'auto', ...opts
  })
}

test('tiny.en: ready, then 3 s of audio gives segments with tokens and timestamps inside the duration', async () => {
  const engine = makeEngine({ 'tiny.en': 'tiny.en' })
  try {
    assert.equal(engine.isReady(), false)
    await engine.ready()
    assert.equal(engine.isReady(), true)
    const r = await engine.transcribe(testAudio(3), { model: await engine.models.describeModel() })
    assert.equal(r.model.name, 'tiny.en')
    assert.equal(r.model.loaded, true)
    assert.equal(r.language, 'en')
    assert.equal(r.languageProbability, undefined)
    assert.equal(r.duration, 3)
    assert.ok(r.segments.length >= 1)
    assert.equal(r.segments.map((s) => s.text).join('').trim(), TEST_PHRASE)
    for (const s of r.segments) {
      assert.ok(s.start >= 0 && s.start <= s.end && s.end <= 3, `segment ${s.start}-${s.end}`)
      assert.ok(s.tokens.length > 0)
      for (const t of s.tokens) {
        assert.ok(t.start >= 0 && t.start <= t.end && t.end <= 3, `token ${t.text} ${t.start}-${t.end}`)
        assert.ok(t.probability > 0 && t.probability <= 1)
        assert.doesNotMatch(t.text, /^\[_|^<\|/) // special tokens are dropped
      }
    }
    // Language/model compatibility (English-only, yue) is the request plan's: test/transcription/plan.test.ts
    assert.equal(r.model.multilingual, false)
    assert.equal((await engine.transcribe(testAudio(1), { model: await engine.models.describeModel(), language: 'en', detectLanguage: true })).language, 'en')
    const words = segmentsToWords(r.segments, { duration: 3 })
    assert.equal(words.transcript, TEST_PHRASE)
    assert.equal(words.words[0]?.word, 'hello')
  } finally {
    await engine.close()
  }
})

test('audio under 1 s is padded (whisper would return nothing); empty audio returns no segments', async () => {
  const engine = makeEngine({ s: 'small-test' })
  try {
    const short = await engine.transcribe(testAudio(0.4), { model: await engine.models.describeModel() })
    assert.ok(short.segments.length > 0)
    for (const s of short.segments) assert.ok(s.end <= 0.4)
    const empty = await engine.transcribe(new Float32Array(0), { model: await engine.models.describeModel() })
    assert.deepEqual(empty.segments, [])
  } finally {
    await engine.close()
  }
})

test('long audio: one scripted phrase per 30 s window, times clamped to the audio', async () => {
  const engine = makeEngine({ s: 'small-test' }, { defaultAudioCtx: 0 })
  try {
    const r = await engine.transcribe(testAudio(40), { model: await engine.models.describeModel() })
    assert.equal(r.segments.length, 2)
    assert.equal(r.segments[1]?.start, 30)
    assert.equal(r.segments[1]?.end, 40)
  } finally {
    await engine.close()
  }
})

test('multilingual model: language detection reports the detected code', async () => {
  const engine = makeEngine({ multi: 'small-test' })
  try {
    const r = await engine.transcribe(testAudio(2), { model: await engine.models.describeModel(), detectLanguage: true })
    assert.equal(r.language, 'en') // the synthetic model's language-detection step is scripted to answer en
    assert.ok(r.languageProbability !== undefined && r.languageProbability > 0.5 && r.languageProbability <= 1,
      `whisper's probability for en: ${r.languageProbability}`)
    assert.equal((await engine.transcribe(testAudio(2), { model: await engine.models.describeModel(), language: 'en' })).languageProbability, undefined) // not asked
    const de = await engine.transcribe(testAudio(2), { model: await engine.models.describeModel(), language: 'de' })
    assert.equal(de.language, 'de')
    // tags ('de-DE') and unknown languages are the plan's to settle (test/transcription/plan.test.ts): the engine
    // takes whisper's codes as they come
  } finally {
    await engine.close()
  }
})

test('unknown model: 400 naming the installed ones; aliases resolve', async () => {
  const engine = makeEngine({ 'tiny.en': 'small-test', base: 'small-test' })
  try {
    await assert.rejects(engine.models.describeModel('large-v9'), (err: unknown) =>
      err instanceof AppError && err.statusCode === 400 && err.message.includes("'large-v9'") &&
      err.message.includes('base') && err.message.includes('tiny.en'))
    for (const alias of ['TINY.EN', 'ggml-tiny.en.bin', 'whisper-tiny.en']) {
      assert.equal((await engine.models.describeModel(alias)).name, 'tiny.en')
    }
    await assert.rejects(engine.models.describeModel('tiny'), { statusCode: 400 }) // no fuzzy match to tiny.en
    // whisper.cpp's VAD model shares the ggml-*.bin naming: it is not a whisper model
    writeFileSync(join(engine.registry.dir, 'ggml-silero-v6.2.0.bin'), Buffer.alloc(64))
    await assert.rejects(engine.models.describeModel('silero-v6.2.0'), { statusCode: 400 })
    const list = await engine.listModels()
    assert.deepEqual(list.map((m) => m.name), ['base', 'tiny.en'])
    assert.match(list[0]?.uuid ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    assert.deepEqual(await engine.listModels(), list) // stable
  } finally {
    await engine.close()
  }
})

test('LRU: at most maxLoadedModels resident, least recently used is freed first', async () => {
  const engine = makeEngine({ a: 'small-test', b: 'small-test', c: 'small-test' }, { maxLoadedModels: 2 })
  const loaded = async (): Promise<string[]> => (await engine.listModels()).filter((m) => m.loaded).map((m) => m.name)
  try {
    await engine.transcribe(testAudio(1), { model: await engine.models.describeModel('a') })
    await engine.transcribe(testAudio(1), { model: await engine.models.describeModel('b') })
    assert.deepEqual(await loaded(), ['a', 'b'])
    await engine.transcribe(testAudio(1), { model: await engine.models.describeModel('a') }) // a is now the most recent
    await engine.transcribe(testAudio(1), { model: await engine.models.describeModel('c') })
    assert.deepEqual(await loaded(), ['a', 'c'])
    assert.deepEqual(engine.stats().loadedModels, ['c', 'a'])
  } finally {
    await engine.close()
  }
})

test('models in use are never freed: concurrent decodes on more models than the cap', async () => {
  const engine = makeEngine({ a: 'small-test', b: 'small-test', c: 'small-test' }, { maxLoadedModels: 1, concurrency: 3, threads: 1 })
  try {
    const rs = await Promise.all(['a', 'b', 'c', 'a'].map(async (model) => await engine.transcribe(testAudio(1.2), { model: await engine.models.describeModel(model) })))
    for (const r of rs) assert.equal(r.segments.map((s) => s.text).join('').trim(), TEST_PHRASE)
    assert.equal(engine.stats().loadedModels.length, 1)
  } finally {
    await engine.close()
  }
})

test('queue full: SERVER_BUSY AppError with Retry-After; the admitted jobs complete', async () => {
  const engine = makeEngine({ s: 'small-test' }, { concurrency: 1, queueMax: 1 })
  try {
    // Warm model + registry cache: the three requests reach the queue within this macrotask, before the first
    // decode can complete (its completion is a later macrotask), so exactly one is refused.
    await engine.ready()
    await engine.listModels()
    const results = await Promise.allSettled([1, 2, 3].map(async () => await engine.transcribe(testAudio(1.5), { model: await engine.models.describeModel() })))
    const busy = results.filter((r) => r.status === 'rejected')
    assert.equal(busy.length, 1)
    const err = (busy[0] as PromiseRejectedResult).reason as AppError
    assert.ok(err instanceof AppError)
    assert.equal(err.statusCode, 503)
    assert.equal(err.code, 'SERVER_BUSY')
    assert.ok(Number(err.headers['Retry-After']) >= 1)
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 2)
  } finally {
    await engine.close()
  }
})

test('a request aborted while waiting rejects with AbortError and never decodes', async () => {
  const engine = makeEngine({ s: 'small-test' }, { concurrency: 1 })
  try {
    await engine.ready()
    await engine.listModels() // fresh registry cache: the requests below reach the queue without I/O
    const ctrl = new AbortController()
    const first = engine.transcribe(testAudio(1.5), { model: await engine.models.describeModel() })
    const second = engine.transcribe(testAudio(1.5), { model: await engine.models.describeModel(), signal: ctrl.signal, priority: 'low' })
    // Microtask turns only: the first decode cannot complete (that needs a macrotask) while we wait for the
    // second request to be queued behind it.
    for (let i = 0; i < 1000 && engine.stats().waiting === 0; i++) await Promise.resolve()
    assert.deepEqual([engine.stats().running, engine.stats().waiting], [1, 1])
    ctrl.abort()
    await assert.rejects(second, { name: 'AbortError' })
    assert.equal(engine.stats().waiting, 0)
    assert.ok((await first).segments.length > 0)
    // already aborted when it arrives: refused at once
    await assert.rejects(engine.transcribe(testAudio(1.5), { model: await engine.models.describeModel(), signal: AbortSignal.abort() }), { name: 'AbortError' })
  } finally {
    await engine.close()
  }
})

test('close: later calls get 503 SERVER_SHUTTING_DOWN', async () => {
  const engine = makeEngine({ s: 'small-test' })
  await engine.ready()
  await engine.close()
  assert.equal(engine.isReady(), false)
  await assert.rejects(engine.transcribe(testAudio(1), { model: await engine.models.describeModel() }), { statusCode: 503, code: 'SERVER_SHUTTING_DOWN' })
})

test('ready() fails clearly when the default model is not installed', async () => {
  const engine = makeEngine({ s: 'small-test' }, { defaultModel: 'base.en' })
  try {
    await assert.rejects(engine.ready(), /default model 'base.en' is not installed.*installed: s/)
    assert.equal(engine.isReady(), false)
  } finally {
    await engine.close()
  }
})

test('a whisper_full failure is a rejection, and a freed model refuses work', async () => {
  const model = await loadNativeModel(testModel('small-test'))
  try {
    // audio_ctx above the model's 1500 makes whisper_full return an error code
    await assert.rejects(model.transcribe({ pcm: testAudio(2), audioCtx: 5000, threads: 1, language: 'en' }), /whisper_full failed/)
    const ok = await model.transcribe({ pcm: testAudio(2), threads: 1, language: 'en' })
    assert.ok(ok.segments.length > 0)
  } finally {
    await model.free()
  }
  await assert.rejects(model.transcribe({ pcm: testAudio(2), threads: 1, language: 'en' }), /freed/)
})

test('effectiveAudioCtx: 0 stays full, auto ~50/s + margin, explicit values never cut the audio', () => {
  assert.equal(effectiveAudioCtx(0, 3), 0)
  assert.equal(effectiveAudioCtx('auto', 3), 150 + 64)
  assert.equal(effectiveAudioCtx('auto', 29), 0) // would exceed the 1500-frame window
  assert.equal(effectiveAudioCtx(256, 3), 256)
  assert.equal(effectiveAudioCtx(100, 3), 150) // raised to what 3 s needs
  assert.equal(effectiveAudioCtx(512, 45), 0) // long audio: every window is full
  assert.equal(effectiveAudioCtx(5000, 2), 0)
})
