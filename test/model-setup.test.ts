import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir, testEnv } from './helpers/build.ts'
import { testModel } from './helpers/models.ts'
import { startServerProcess } from './helpers/process.ts'
import { serveModelFile } from './helpers/mirror.ts'

test('first start fetches a missing default model from MODEL_BASE_URL, then serves', async (t) => {
  const source = testModel('small-test')
  const { url, requests } = await serveModelFile(t, source, '/mirror/ggml-small-test.bin')

  const dir = tempDir(t)
  const models = join(dir, 'models')
  const server = startServerProcess(testEnv(dir, {
    MODELS_DIR: models,
    DEFAULT_MODEL: 'small-test',
    AUTO_DOWNLOAD_MODEL: 'true',
    MODEL_BASE_URL: `${url}/mirror`
  }))
  t.after(() => server.child.kill('SIGKILL'))
  const listening = await server.waitFor(/Server listening at http:\/\/127\.0\.0\.1:\d+/)
  assert.deepEqual(requests, ['/mirror/ggml-small-test.bin'])
  assert.equal(statSync(join(models, 'ggml-small-test.bin')).size, statSync(source).size)
  assert.match(server.stderr(), /downloaded ggml-small-test\.bin/)
  await server.waitFor(/default model loaded/)
  const base = /(http:\/\/127\.0\.0\.1:\d+)/.exec(listening)?.[1] as string
  const health = await fetch(`${base}/health`)
  assert.equal(health.status, 200)
  const body = await health.json() as { status: string, checks: unknown }
  assert.deepEqual({ status: body.status, checks: body.checks }, { status: 'ok', checks: { database: 'ok', model: 'ok' } })
  server.child.kill('SIGTERM')
  assert.equal(await server.exited, 0)
  assert.ok(!existsSync(join(models, '.ggml-small-test.bin.part')))
})
