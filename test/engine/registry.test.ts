import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { AppError } from '../../src/errors.ts'
import { ModelRegistry } from '../../src/engine/registry.ts'
import { tempDir } from '../helpers/build.ts'
import { installTestModel, installVadModelFile } from '../helpers/models.ts'

test('VAD model files in MODELS_DIR are not whisper models: not listed, not selectable, by name or by header', async (t) => {
  const dir = join(tempDir(t), 'models')
  installTestModel(dir, 'small-test', 'base')
  installVadModelFile(dir) // whisper.cpp's own name for it
  installVadModelFile(dir, 'ggml-silero-v5.1.2.bin')
  installVadModelFile(dir, 'ggml-my-vad.bin') // renamed: known by its header
  writeFileSync(join(dir, 'ggml-broken.bin'), 'not a model') // a broken whisper file stays listed: it fails with a reason
  const registry = new ModelRegistry(dir)
  const listed = await registry.list()
  assert.deepEqual(listed.map((m) => m.name), ['base', 'broken'])
  for (const name of ['silero-v6.2.0', 'ggml-silero-v6.2.0.bin', 'silero-v5.1.2', 'my-vad']) {
    await assert.rejects(registry.resolve(name), (err: unknown) => err instanceof AppError && err.statusCode === 400 &&
      err.message.includes('Installed models: base, broken.'), name)
    await assert.rejects(registry.resolveInstalled(name), { statusCode: 400 }, name)
  }
  assert.equal((await registry.resolve('base')).name, 'base')
})
