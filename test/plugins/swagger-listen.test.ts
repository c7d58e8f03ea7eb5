import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { build } from '../helpers/build.ts'
import { artifactPath, launchBrowser } from '../helpers/browser.ts'
import { assertListenV1Response } from '../helpers/deepgram-schema.ts'
import { TEST_PHRASE } from '../helpers/models.ts'

const jfk = fileURLToPath(new URL('../fixtures/audio/jfk-16k-s16.wav', import.meta.url))

type MediaTypes = Record<string, { schema: { type?: string, format?: string, $ref?: string } }>

test('/docs/json: POST /v1/listen takes an audio file (audio/*, application/octet-stream) or JSON {"url"}', async (t) => {
  const { fetch } = await build(t)
  const doc = await (await fetch('/docs/json')).json() as {
    paths: Record<string, Record<string, { requestBody: { required: boolean, content: MediaTypes } }>>
    components: { schemas: Record<string, { properties?: Record<string, unknown>, required?: string[] }> }
  }
  const body = doc.paths['/v1/listen']?.post?.requestBody
  assert.ok(body !== undefined)
  assert.equal(body.required, true)
  assert.deepEqual(Object.keys(body.content).sort(), ['application/json', 'application/octet-stream', 'audio/*'])
  for (const mediaType of ['audio/*', 'application/octet-stream']) {
    assert.deepEqual([body.content[mediaType]?.schema.type, body.content[mediaType]?.schema.format], ['string', 'binary'], mediaType)
  }
  const ref = body.content['application/json']?.schema.$ref ?? ''
  const json = doc.components.schemas[ref.replace('#/components/schemas/', '')]
  assert.ok(json?.properties?.url !== undefined, `application/json: ${ref} has no url`)
  assert.deepEqual(json.required, ['url'])
})

test('Swagger UI: Authorize with a key, pick a WAV for POST /v1/listen, Execute: a Deepgram transcript', async (t) => {
  const app = await build(t)
  const key = await app.createKey()
  const browser = await launchBrowser(t)
  const page = await browser.newPage()
  await page.goto(`${app.url}/docs/`)

  // the Authorize dialog shows the Token scheme (apiKey in Authorization); the person types what the API takes
  await page.locator('.btn.authorize').click()
  const dialog = page.locator('.auth-container').filter({ hasText: 'Token' })
  assert.match(await dialog.innerText(), /Authorization/)
  await dialog.locator('input').fill(`Token ${key}`)
  await dialog.locator('.auth-btn-wrapper .authorize').click()
  await page.locator('.btn-done').click()

  const operation = page.locator('#operations-listen-post_v1_listen')
  await operation.locator('.opblock-summary').click()
  await operation.locator('.try-out__btn').click()
  // parameters as a person sets them in the form: a Deepgram model name, a search, a formatting switch, audio_ctx
  const parameter = (name: string) => operation.locator(`tr[data-param-name="${name}"]`)
  await parameter('model').locator('input').fill('nova-3')
  await parameter('search').locator('input').fill('hello')
  await parameter('audio_ctx').locator('input').fill('auto')
  await parameter('smart_format').locator('select').selectOption('true')
  const mediaType = operation.locator('.opblock-section-request-body select')
  for (const type of ['audio/*', 'application/octet-stream']) {
    await mediaType.selectOption(type)
    await operation.locator('input[type=file]').setInputFiles(jfk)
    const sent = page.waitForRequest((r) => r.url().startsWith(`${app.url}/v1/listen`) && r.method() === 'POST')
    await operation.locator('.execute').click()
    const request = await sent
    assert.equal(request.headers().authorization, `Token ${key}`, type)
    assert.equal(request.headers()['content-type'], type)
    assert.deepEqual(Object.fromEntries(new URL(request.url()).searchParams), { model: 'nova-3', search: 'hello', audio_ctx: 'auto', smart_format: 'true' })
    const status = operation.locator('.live-responses-table .response .response-col_status')
    await status.waitFor()
    if ((await status.innerText()).trim() !== '200') await page.screenshot({ path: artifactPath('swagger-listen.png'), fullPage: true })
    assert.equal((await status.innerText()).trim(), '200', type)
    const text = await operation.locator('.live-responses-table .response-col_description .microlight').first().innerText()
    const reply = JSON.parse(text) as {
      metadata: { models: string[], model_info: Record<string, { name: string }> }
      results: { channels: Array<{ search?: Array<{ query: string }>, alternatives: Array<{ transcript: string }> }> }
    }
    assertListenV1Response(reply)
    assert.equal(reply.results.channels[0]?.alternatives[0]?.transcript, TEST_PHRASE, type)
    assert.equal(reply.metadata.model_info[reply.metadata.models[0] as string]?.name, 'small-test', 'nova-3 ran DEFAULT_MODEL')
    assert.equal(reply.results.channels[0]?.search?.[0]?.query, 'hello')
    // the next round must see its own reply, not this one
    await operation.locator('.btn-clear').click()
  }
})
