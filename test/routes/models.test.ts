import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { build, tempDir } from '../helpers/build.ts'
import { installTestModel } from '../helpers/models.ts'

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
