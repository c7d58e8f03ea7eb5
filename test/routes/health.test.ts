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

test('/health/live answers 200 while the replica is not ready; /health/ready is /health', async (t) => {
  const { fetch, app } = await build(t, { DEFAULT_MODEL: 'medium.en' })
  await assert.rejects(app.engine.ready())
  const live = await fetch('/health/live')
  assert.equal(live.status, 200)
  assert.deepEqual(await live.json(), { status: 'ok' })
  const ready = await fetch('/health/ready')
  assert.equal(ready.status, 503)
  const [a, b] = [await ready.json(), await (await fetch('/health')).json()]
  assert.deepEqual(a, b)
})

test('ENGINE=off: the replica is ready for API work without a model', async (t) => {
  const { fetch, app } = await build(t, { ENGINE: 'off', DEFAULT_MODEL: 'medium.en' })
  await assert.rejects(app.engine.ready(), /medium\.en/)
  const res = await fetch('/health/ready')
  assert.equal(res.status, 200)
  const body = await res.json() as { status: string, checks: Record<string, string> }
  assert.deepEqual({ status: body.status, checks: body.checks }, { status: 'ok', checks: { database: 'ok', model: 'off' } })
})

test('balancer probes write no request log lines', async (t) => {
  const { fetch, logs, waitForLog } = await build(t)
  for (const path of ['/health', '/health/ready', '/health/live', '/metrics']) await fetch(path)
  await fetch('/no/such/path')
  await waitForLog(/"url":"\/no\/such\/path".*"msg":"incoming request"|"msg":"incoming request".*"url":"\/no\/such\/path"/)
  await waitForLog(/"statusCode":404.*"msg":"request completed"/)
  assert.deepEqual(logs.filter((l) => /"url":"\/(health|metrics)/.test(l)), [])
})
