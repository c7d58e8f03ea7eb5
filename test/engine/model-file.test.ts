// Model file validation: bad files must be refused before the addon sees them (it segfaults on them).
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync, writeSync, readSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AppError } from '../../src/errors.ts'
import { Engine } from '../../src/engine/engine.ts'
import { ModelFileError, validateModelFile } from '../../src/engine/model-file.ts'
import { generateModel } from '../../scripts/generate-model.mjs'
import { installTestModel, testAudio, testModel } from '../helpers/models.ts'

const dir = mkdtempSync(join(tmpdir(), 'earshot-modelfile-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** First `n` bytes of the small test model, as ggml-<name>.bin in `into`. */
function truncatedCopy (name: string, n: number, into = dir): string {
  const src = readFileSync(testModel('small-test'))
  const path = join(into, `ggml-${name}.bin`)
  writeFileSync(path, src.subarray(0, n))
  return path
}

test('generated models validate with their real hyper-parameters', async () => {
  const tinyEn = await validateModelFile(testModel('tiny.en'))
  assert.equal(tinyEn.nVocab, 51864)
  assert.equal(tinyEn.nState, 384)
  assert.equal(tinyEn.nAudioLayer, 4)
  assert.equal(tinyEn.weightType, 'f16')
  assert.equal(tinyEn.multilingual, false)
  assert.equal(tinyEn.eotId, 50256)
  const small = await validateModelFile(testModel('small-test'))
  assert.equal(small.multilingual, true)
  assert.ok(small.sizeBytes < 12e6)
})

test('the generator is deterministic for a seed and differs across seeds', () => {
  const a = generateModel(join(dir, 'a.bin'), { arch: 'small-test' })
  const b = generateModel(join(dir, 'b.bin'), { arch: 'small-test' })
  const c = generateModel(join(dir, 'c.bin'), { arch: 'small-test', seed: 2 })
  assert.ok(readFileSync(a.path).equals(readFileSync(b.path)))
  assert.ok(!readFileSync(a.path).equals(readFileSync(c.path)))
  assert.equal(a.text, 'Hello world, this is a synthetic whisper model. It always says the same words, whatever it hears.')
})

test('missing file, bad magic, truncated file, trailing garbage: clear ModelFileError', async () => {
  await assert.rejects(validateModelFile(join(dir, 'nope.bin')), (err: unknown) =>
    err instanceof ModelFileError && /file not found/.test(err.message) && err.path.endsWith('nope.bin'))

  const text = join(dir, 'text.bin')
  writeFileSync(text, 'this is not a model\n')
  await assert.rejects(validateModelFile(text), /bad magic/)

  const empty = join(dir, 'empty.bin')
  writeFileSync(empty, '')
  await assert.rejects(validateModelFile(empty), /bad magic/)

  const size = readFileSync(testModel('small-test')).length
  for (const n of [10, 48, 3000, 500_000, size - 1]) {
    await assert.rejects(validateModelFile(truncatedCopy(`cut${n}`, n)), (err: unknown) =>
      err instanceof ModelFileError && /truncated/.test(err.reason), `cut at ${n}`)
  }

  const extra = join(dir, 'extra.bin')
  writeFileSync(extra, Buffer.concat([readFileSync(testModel('small-test')), Buffer.alloc(40, 1)]))
  await assert.rejects(validateModelFile(extra), ModelFileError)
})

/** A copy of a generated model with one int32 overwritten (header fields: magic 0, hparams from 4, ftype 44). */
function patchedCopy (name: string, from: string, offset: number, value: number, into = dir): string {
  const buf = Buffer.from(readFileSync(from))
  buf.writeInt32LE(value, offset)
  const path = join(into, `ggml-${name}.bin`)
  writeFileSync(path, buf)
  return path
}

test('a GGUF file, a weight type this build cannot run, an old quantization format: refused with the reason', async () => {
  const gguf = join(dir, 'gguf.bin')
  writeFileSync(gguf, Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(4096)]))
  await assert.rejects(validateModelFile(gguf), /a GGUF file; whisper\.cpp needs its own ggml model format/)
  // ftype 5 was ggml's Q4_2, removed from ggml long ago
  await assert.rejects(validateModelFile(patchedCopy('ftype5', testModel('small-test'), 44, 5)),
    /unsupported weight type \(ftype 5\): this whisper\.cpp build cannot run it/)
  await assert.rejects(validateModelFile(patchedCopy('ftype99', testModel('small-test'), 44, 2099)), /unsupported weight type/)
  // q8_0 blocks written by ggml's quantization format 1 (ftype 1007) have another layout
  await assert.rejects(validateModelFile(patchedCopy('qnt1', testModel('small-test', 'q8_0'), 44, 1007)),
    /q8_0 weights quantized in ggml's format version 1; this build runs version 2 only/)
  // an f16 header over q5_0 tensors: the tensors' type is not what the header promises
  await assert.rejects(validateModelFile(patchedCopy('mixed', testModel('small-test', 'q5_0'), 44, 1)), /has type q5_0, expected f16/)
})

test('a wrong tensor shape is caught (whisper would fail the load and crash)', async () => {
  const path = join(dir, 'shape.bin')
  writeFileSync(path, readFileSync(testModel('small-test')))
  // hparams[2] = n_audio_state: the tensors no longer match it
  const fd = openSync(path, 'r+')
  const b = Buffer.alloc(4)
  readSync(fd, b, 0, 4, 12)
  b.writeInt32LE(b.readInt32LE(0) * 2)
  writeSync(fd, b, 0, 4, 12)
  closeSync(fd)
  await assert.rejects(validateModelFile(path), /shape/)
})

test('the engine refuses invalid installed models with a 500 AppError (the reason as its log-only detail) and keeps working', async () => {
  const models = join(dir, 'models')
  installTestModel(models, 'small-test', 'good')
  truncatedCopy('cut', 1_000_000, models)
  writeFileSync(join(models, 'ggml-junk.bin'), 'junk')
  writeFileSync(join(models, 'ggml-text.bin'), 'a text file, saved with a model\'s name\n'.repeat(100))
  writeFileSync(join(models, 'ggml-gguf.bin'), Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(4096)]))
  patchedCopy('ftype5', testModel('small-test'), 44, 5, models)
  const engine = new Engine({ modelsDir: models, defaultModel: 'good', concurrency: 1, threads: 1, queueMax: 4, maxLoadedModels: 2, defaultAudioCtx: 'auto' })
  try {
    const reasons: Record<string, RegExp> = { cut: /truncated/, junk: /bad magic/, text: /bad magic/, gguf: /GGUF/, ftype5: /cannot run it/ }
    for (const [name, reason] of Object.entries(reasons)) {
      await assert.rejects(engine.transcribe(testAudio(1.5), { model: await engine.models.describeModel(name) }), (err: unknown) =>
        err instanceof AppError && err.statusCode === 500 && err.code === 'MODEL_INVALID' &&
        err.message === `Model '${name}' cannot be loaded.` && reason.test(err.detail ?? '') && !(err.detail ?? '').includes(dir), name)
    }
    const ok = await engine.transcribe(testAudio(1.5), { model: await engine.models.describeModel('good') })
    assert.ok(ok.segments.length > 0)
  } finally {
    await engine.close()
  }
})
