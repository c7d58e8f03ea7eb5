import { test } from 'node:test'
import assert from 'node:assert/strict'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../helpers/build.ts'
import { earshot } from '../helpers/cli.ts'
import { installTestModel, installVadModelFile, testModel } from '../helpers/models.ts'
import { runCli } from '../../src/cli/run.ts'
import { serveModelFile } from '../helpers/mirror.ts'

test('models download fetches from MODEL_BASE_URL into MODELS_DIR; models list shows it', async (t) => {
  const source = testModel('small-test')
  const mirror = await serveModelFile(t, source, '/ggml-small-test.bin')
  const dir = tempDir(t)
  const env = {
    DATABASE_PATH: join(dir, 'db.sqlite'),
    MODELS_DIR: join(dir, 'models'),
    DEFAULT_MODEL: 'small-test',
    MODEL_BASE_URL: mirror.url
  }

  const empty = await earshot(['models', 'list'], env)
  assert.equal(empty.code, 0)
  assert.match(empty.stdout, /No models in .*earshot models download small-test/)

  const got = await earshot(['models', 'download', 'small-test'], env)
  assert.equal(got.code, 0, got.stderr)
  assert.match(got.stdout, /^Saved .*ggml-small-test\.bin/m)
  assert.equal(statSync(join(dir, 'models', 'ggml-small-test.bin')).size, statSync(source).size)

  const again = await earshot(['models', 'download', 'small-test'], env)
  assert.equal(again.code, 0)
  assert.match(again.stdout, /already there/)

  const listed = JSON.parse((await earshot(['models', 'list', '--json'], env)).stdout) as Array<{ name: string, default: boolean }>
  assert.deepEqual(listed.map((m) => [m.name, m.default]), [['small-test', true]])

  const missing = await earshot(['models', 'download', 'nope'], env)
  assert.equal(missing.code, 1)
  assert.match(missing.stderr, /not found .*404/)
  assert.equal((await earshot(['models', 'download'], env)).code, 2)
  assert.equal((await earshot(['models', 'frob'], env)).code, 2)
})

test('models list (in-process) shows whisper models only, not the VAD model files beside them', async (t) => {
  const dir = tempDir(t)
  const env = { DATABASE_PATH: join(dir, 'db.sqlite'), MODELS_DIR: join(dir, 'models'), DEFAULT_MODEL: 'small-test' }
  installTestModel(env.MODELS_DIR, 'small-test')
  installVadModelFile(env.MODELS_DIR)
  installVadModelFile(env.MODELS_DIR, 'ggml-vad-renamed.bin')
  const out: string[] = []
  const run = async (args: string[]): Promise<number> => await runCli(args, { out: (l) => { out.push(l) }, err: (l) => { out.push(l) } }, env)
  assert.equal(await run(['models', 'list', '--json']), 0)
  assert.deepEqual((JSON.parse(out.join('')) as Array<{ name: string }>).map((m) => m.name), ['small-test'])
  out.length = 0
  assert.equal(await run(['models', 'list']), 0)
  assert.doesNotMatch(out.join('\n'), /silero|vad/)
  assert.match(out.join('\n'), /small-test/)
})
