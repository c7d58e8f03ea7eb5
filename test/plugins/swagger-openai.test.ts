import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { build } from '../helpers/build.ts'
import { TEST_PHRASE } from '../helpers/models.ts'

const jfk = fileURLToPath(new URL('../fixtures/audio/jfk-16k-s16.wav', import.meta.url))

test('Swagger UI: the OpenAI upload form transcribes a file picked in the browser', async (t) => {
  const app = await build(t)
  const key = await app.createKey()
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
  t.after(() => browser.close())
  const page = await browser.newPage()
  await page.goto(`${app.url}/docs/`)
  await page.locator('.btn.authorize').click()
  await page.locator('.auth-container input').fill(`Token ${key}`)
  await page.locator('.auth-btn-wrapper .authorize').click()
  await page.locator('.btn-done').click()

  // the form as Swagger UI pre-fills it (every field's example), with only the file picked
  for (const id of ['operations-openai-post_v1_audio_transcriptions', 'operations-openai-post_v1_audio_translations']) {
    const operation = page.locator(`#${id}`)
    await operation.locator('.opblock-summary').click()
    await operation.locator('.try-out__btn').click()
    await operation.locator('input[type=file]').setInputFiles(jfk)
    await operation.locator('.execute').click()
    const status = operation.locator('.live-responses-table .response .response-col_status')
    await status.waitFor()
    assert.equal((await status.innerText()).trim(), '200', id)
    const body = await operation.locator('.live-responses-table .response-col_description .microlight').first().innerText()
    assert.equal((JSON.parse(body) as { text: string }).text, TEST_PHRASE, id)
  }
})
