import { test } from 'node:test'
import assert from 'node:assert/strict'
import { build } from '../helpers/build.ts'
import { readBuildInfo } from '../../src/engine/build-info.ts'
import { nativeInfo } from '../../src/engine/binding.ts'

test('/health is 200 once the default model is resident', async (t) => {
  const { fetch, app } = await build(t)
  await app.engine.ready()
  const res = await fetch('/health')
  assert.equal(res.status, 200)
  const body = await res.json() as { engine: { whisper_version: string, system_info: string, build_flags: string } }
  assert.deepEqual({ ...body, engine: undefined }, { status: 'ok', checks: { database: 'ok', model: 'ok' }, engine: undefined })
  // the whisper version and compiled-in instruction sets of the addon actually loaded, and its build flags
  const live = nativeInfo()
  assert.deepEqual(body.engine, { whisper_version: live.version, system_info: live.systemInfo, build_flags: readBuildInfo()?.flags })
  assert.match(body.engine.system_info, /AVX|NEON|SSE/)
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
