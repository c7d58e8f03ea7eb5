import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { build, tempDir } from '../helpers/build.ts'
import { installTestModel, installVadModelFile } from '../helpers/models.ts'
import { openAiClient } from '../helpers/openai.ts'
import { AuthenticationError } from 'openai'

test('GET /v1/models lists installed models, which is the default and which are loaded', async (t) => {
  const models = join(tempDir(t), 'models')
  installTestModel(models, 'small-test')
  installTestModel(models, 'small-test', 'spare')
  const app = await build(t, { MODELS_DIR: models, DEFAULT_MODEL: 'small-test' })
  const key = await app.createKey()
  await app.app.engine.ready()
  const res = await app.fetch('/v1/models', { headers: { authorization: `Token ${key}` } })
  assert.equal(res.status, 200)
  const body = await res.json() as { models: Array<{ name: string, uuid: string, size_bytes: number, loaded: boolean, default: boolean }> }
  assert.deepEqual(body.models.map((m) => [m.name, m.loaded, m.default]), [['small-test', true, true], ['spare', false, false]])
  for (const m of body.models) {
    assert.match(m.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    assert.ok(m.size_bytes > 1_000_000)
  }
  assert.equal((await app.fetch('/v1/models')).status, 401)
})

test('GET /v1/models does not list the VAD model files beside the whisper models, in either shape', async (t) => {
  const models = join(tempDir(t), 'models')
  installTestModel(models, 'small-test')
  installVadModelFile(models)
  installVadModelFile(models, 'ggml-vad-renamed.bin')
  const app = await build(t, { MODELS_DIR: models, DEFAULT_MODEL: 'small-test' })
  const key = await app.createKey()
  const res = await app.fetch('/v1/models', { headers: { authorization: `Token ${key}` } })
  assert.equal(res.status, 200)
  const body = await res.json() as { models: Array<{ name: string }>, data: Array<{ id: string }> }
  assert.deepEqual(body.models.map((m) => m.name), ['small-test'])
  assert.deepEqual(body.data.map((m) => m.id), ['small-test', 'whisper-1', 'gpt-4o-transcribe', 'gpt-4o-mini-transcribe'])
})

test('GET /v1/models in OpenAI\'s list shape: the openai SDK lists installed models and the OpenAI names that resolve', async (t) => {
  const models = join(tempDir(t), 'models')
  installTestModel(models, 'small-test')
  installTestModel(models, 'small-test', 'spare')
  const app = await build(t, { MODELS_DIR: models, DEFAULT_MODEL: 'small-test' })
  const key = await app.createKey()
  const body = await (await app.fetch('/v1/models', { headers: { authorization: `Bearer ${key}` } })).json() as Record<string, unknown>
  assert.deepEqual(Object.keys(body).sort(), ['data', 'models', 'object'])
  assert.equal(body.object, 'list')
  const openai = openAiClient(app, key)
  const listed = []
  for await (const model of openai.models.list()) listed.push(model)
  assert.deepEqual(listed.map((m) => m.id), ['small-test', 'spare', 'whisper-1', 'gpt-4o-transcribe', 'gpt-4o-mini-transcribe'])
  const now = Date.now() / 1000
  for (const m of listed) {
    assert.deepEqual(Object.keys(m).sort(), ['created', 'id', 'object', 'owned_by'])
    assert.equal(m.object, 'model')
    assert.equal(m.owned_by, 'earshot')
    assert.ok(Number.isInteger(m.created) && m.created > 1_600_000_000 && m.created <= now + 1, String(m.created))
  }
  const err = await openAiClient(app, 'wrong').models.list().then(() => assert.fail('expected a 401'), (e: unknown) => e)
  assert.ok(err instanceof AuthenticationError)
})
