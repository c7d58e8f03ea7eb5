// The native addon's own guarantees: cancellation of a running decode, per-segment callbacks, quantized weights,
// bad model files refused without a crash.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Engine } from '../../src/engine/engine.ts'
import { loadNativeModel, NativeAbortError, setSpinYield } from '../../src/engine/binding.ts'
import type { TranscribedSegment } from '../../src/engine/types.ts'
import { installTestModel, testAudio, testModel, TEST_PHRASE } from '../helpers/models.ts'

const root = mkdtempSync(join(tmpdir(), 'earshot-native-'))
after(() => rmSync(root, { recursive: true, force: true }))

function makeEngine (arch: 'tiny.en' | 'small-test'): Engine {
  const dir = join(root, `m-${arch}-${Math.random().toString(36).slice(2)}`)
  installTestModel(dir, arch, 'm')
  return new Engine({ modelsDir: dir, defaultModel: 'm', concurrency: 1, threads: 1, queueMax: 8, maxLoadedModels: 1, defaultAudioCtx: 0 })
}

test('a running decode aborted through its signal stops, rejects with AbortError, and the queue serves the next job', async () => {
  const engine = makeEngine('tiny.en')
  try {
    await engine.ready()
    const ctrl = new AbortController()
    let segmentsSeen = 0
    // 5 windows of 30 s at the full window: long enough that it is still decoding when its first segment arrives
    const long = engine.transcribe(testAudio(150), {
      model: await engine.models.describeModel(), signal: ctrl.signal,
      onSegment: () => { segmentsSeen++; ctrl.abort() }
    })
    const next = engine.transcribe(testAudio(2), { model: await engine.models.describeModel() })
    await assert.rejects(long, { name: 'AbortError' })
    assert.ok(segmentsSeen >= 1 && segmentsSeen < 5, `aborted after ${segmentsSeen} of 5 windows`)
    const r = await next
    assert.equal(r.segments.map((s) => s.text).join('').trim(), TEST_PHRASE)
    assert.equal(engine.stats().running, 0)
  } finally {
    await engine.close()
  }
})

test('an aborted run gives its whisper state back: the model has no active job and decodes again', async () => {
  const model = await loadNativeModel(testModel('small-test'))
  try {
    const ctrl = new AbortController()
    const run = model.transcribe({ pcm: testAudio(120), threads: 1, language: 'en', signal: ctrl.signal, onSegment: () => ctrl.abort() })
    assert.equal(model.activeJobs, 1)
    await assert.rejects(model.free(), /in use/) // never freed under a running decode
    await assert.rejects(run, NativeAbortError)
    assert.equal(model.activeJobs, 0)
    const again = await model.transcribe({ pcm: testAudio(2), threads: 1, language: 'en' })
    assert.equal(again.segments.map((s) => s.text).join('').trim(), TEST_PHRASE)
  } finally {
    await model.free()
  }
})

test('onSegment is called once per segment, in order, before the promise resolves', async () => {
  const engine = makeEngine('small-test')
  try {
    const seen: TranscribedSegment[] = []
    const r = await engine.transcribe(testAudio(75), { model: await engine.models.describeModel(), onSegment: (s) => seen.push(s) })
    assert.equal(r.segments.length, 3) // one scripted phrase per 30 s window
    assert.deepEqual(seen.map((s) => [s.text, s.start, s.end]), r.segments.map((s) => [s.text, s.start, s.end]))
    for (const s of r.segments) {
      assert.ok(s.noSpeechProb >= 0 && s.noSpeechProb <= 1, `noSpeechProb ${s.noSpeechProb}`)
      for (const t of s.tokens) {
        assert.ok(Number.isInteger(t.id) && t.id >= 0)
        assert.ok(t.logprob <= 0 && Math.abs(Math.exp(t.logprob) - t.probability) < 0.05, `plog ${t.logprob} vs p ${t.probability}`)
      }
    }
  } finally {
    await engine.close()
  }
})

for (const type of ['q8_0', 'q5_0', 'q5_1'] as const) {
  test(`a ${type} model (generated like whisper.cpp's quantize tool) loads and decodes`, async () => {
    const model = await loadNativeModel(testModel('small-test', type))
    try {
      assert.equal(model.info.multilingual, true)
      const r = await model.transcribe({ pcm: testAudio(3), threads: 1, language: 'en' })
      assert.equal(r.segments.map((s) => s.text).join('').trim(), TEST_PHRASE)
    } finally {
      await model.free()
    }
  })
}

test('a file whisper cannot load is a rejection with the path, never a crash', async () => {
  const garbage = join(root, 'garbage.bin')
  writeFileSync(garbage, Buffer.alloc(4096, 7))
  await assert.rejects(loadNativeModel(garbage), /could not load the model file .*garbage\.bin/)
  const truncated = join(root, 'truncated.bin')
  writeFileSync(truncated, readFileSync(testModel('small-test')).subarray(0, 3_000_000))
  await assert.rejects(loadNativeModel(truncated), /could not load the model file/)
  await assert.rejects(loadNativeModel(join(root, 'missing.bin')), /could not load the model file/)
  const text = join(root, 'text.bin')
  writeFileSync(text, 'a text file, saved with a model\'s name\n'.repeat(100))
  await assert.rejects(loadNativeModel(text), /could not load the model file .*text\.bin/)
  const gguf = join(root, 'gguf.bin')
  writeFileSync(gguf, Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(4096)]))
  await assert.rejects(loadNativeModel(gguf), /could not load the model file/)
  // a weight type ggml no longer has (ftype 5, Q4_2): whisper refuses the header
  const ftype = join(root, 'ftype5.bin')
  const buf = Buffer.from(readFileSync(testModel('small-test')))
  buf.writeInt32LE(5, 44)
  writeFileSync(ftype, buf)
  await assert.rejects(loadNativeModel(ftype), /could not load the model file/)
  // the process is alive and the addon still works
  const model = await loadNativeModel(testModel('small-test'))
  await model.free()
})

test('spin-yield settings change scheduling only: every value decodes the same words', async () => {
  const model = await loadNativeModel(testModel('small-test'))
  try {
    const texts: string[] = []
    for (const every of [0, 1, 256]) {
      assert.equal(setSpinYield(every), process.arch === 'x64') // the hook exists on x86-64 only
      const r = await model.transcribe({ pcm: testAudio(3), threads: 2, language: 'en' })
      texts.push(r.segments.map((s) => s.text).join('').trim())
    }
    assert.deepEqual(texts, [TEST_PHRASE, TEST_PHRASE, TEST_PHRASE])
  } finally {
    setSpinYield(256)
    await model.free()
  }
})
