// A model file that cannot load is the operator's problem: every protocol answers with a generic 5xx (what is
// wrong with the file goes to the log, with the request id), never the file's problem itself.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { build, tempDir, type TestApp } from '../helpers/build.ts'
import { installTestModel } from '../helpers/models.ts'
import { fixture, jfkSpeech16k, silence16k } from '../helpers/live-audio.ts'
import { connect } from '../helpers/deepgram-live-client.ts'

/** The validator's words for a file that is not a model (src/engine/model-file.ts). */
const REASON = 'bad magic'

async function brokenModelApp (t: Parameters<typeof build>[0]): Promise<TestApp & { key: string }> {
  const models = join(tempDir(t), 'models')
  installTestModel(models, 'small-test')
  writeFileSync(join(models, 'ggml-broken.bin'), 'not a model\n'.repeat(100))
  const app = await build(t, { MODELS_DIR: models })
  await app.waitForLog(/default model loaded/)
  return { ...app, key: await app.createKey() }
}

/** The log lines of one request: the detail the client did not get is there. */
function assertLoggedWithDetail (app: TestApp, requestId: string): void {
  const lines = app.logs.filter((l) => l.includes(requestId))
  assert.ok(lines.some((l) => l.includes(REASON)), `no log line of ${requestId} says why:\n${lines.join('\n')}`)
}

test('Deepgram REST: a model that cannot load is a generic 500 MODEL_INVALID; the reason is logged', async (t) => {
  const app = await brokenModelApp(t)
  const res = await app.fetch('/v1/listen?model=broken', {
    method: 'POST', headers: { authorization: `Token ${app.key}`, 'content-type': 'audio/wav' }, body: fixture('jfk-16k-s16.wav')
  })
  assert.equal(res.status, 500)
  const requestId = res.headers.get('dg-request-id') as string
  const text = await res.text()
  assert.deepEqual(JSON.parse(text), { err_code: 'MODEL_INVALID', err_msg: "Model 'broken' cannot be loaded.", request_id: requestId })
  assert.ok(!text.includes(REASON) && !text.includes(app.dir), text)
  assertLoggedWithDetail(app, requestId)
})

test('live /v1/listen: a model that cannot load closes 1011 NET-0000 and sends nothing about the file', async (t) => {
  const app = await brokenModelApp(t)
  const client = await connect(app, '?model=broken&encoding=linear16&sample_rate=16000', { headers: { authorization: `Token ${app.key}` } })
  await client.sendAudio(Buffer.concat([silence16k(0.5), jfkSpeech16k(), silence16k(1)]))
  client.sendJson({ type: 'CloseStream' })
  assert.deepEqual(await client.closed, { code: 1011, reason: 'NET-0000' })
  assert.ok(!JSON.stringify(client.messages).includes(REASON))
  assertLoggedWithDetail(app, client.upgradeHeaders['dg-request-id'] as string)
})

test('OpenAI transcriptions: a model that cannot load is a generic server_error; the reason is logged', async (t) => {
  const app = await brokenModelApp(t)
  const form = new FormData()
  form.set('file', new Blob([fixture('jfk-16k-s16.wav')], { type: 'audio/wav' }), 'jfk.wav')
  form.set('model', 'broken')
  const res = await app.fetch('/v1/audio/transcriptions', { method: 'POST', headers: { authorization: `Bearer ${app.key}` }, body: form })
  assert.equal(res.status, 500)
  const text = await res.text()
  assert.deepEqual(JSON.parse(text), {
    error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null }
  })
  assert.ok(!text.includes(REASON))
  assertLoggedWithDetail(app, res.headers.get('x-request-id') as string)
})

test('/health, the operator\'s view, still says what is wrong with a default model that cannot load', async (t) => {
  const models = join(tempDir(t), 'models')
  mkdirSync(models)
  writeFileSync(join(models, 'ggml-broken.bin'), 'not a model\n'.repeat(100))
  const app = await build(t, { MODELS_DIR: models, DEFAULT_MODEL: 'broken' })
  await app.waitForLog(/default model could not be loaded/)
  const health = await app.fetch('/health')
  assert.equal(health.status, 503)
  const { checks } = await health.json() as { checks: { model: string } }
  assert.equal(checks.model, "Model 'broken' cannot be loaded: not a whisper.cpp ggml model (bad magic).")
})
