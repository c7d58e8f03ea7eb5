import { test } from 'node:test'
import assert from 'node:assert/strict'
import { build } from '../helpers/build.ts'

test('/health is 200 once the default model is resident', async (t) => {
  const { fetch, app } = await build(t)
  await app.engine.ready()
  const res = await fetch('/health')
  assert.equal(res.status, 200)
  assert.deepEqual(await res.json(), { status: 'ok', checks: { database: 'ok', model: 'ok' } })
})

test('/health is 503 with the reason while the default model is not loaded', async (t) => {
  const { fetch, app } = await build(t, { DEFAULT_MODEL: 'medium.en' })
  await assert.rejects(app.engine.ready(), /default model 'medium\.en' is not installed/)
  const res = await fetch('/health')
  assert.equal(res.status, 503)
  const body = await res.json() as { status: string, checks: { database: string, model: string } }
  assert.equal(body.status, 'not_ready')
  assert.equal(body.checks.database, 'ok')
  assert.match(body.checks.model, /medium\.en/)
})
