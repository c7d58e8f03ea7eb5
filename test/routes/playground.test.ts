// test:serial — Chromium plays a real-time fake microphone and waits for live captions.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { build, type TestApp } from '../helpers/build.ts'
import { artifactPath, launchBrowser } from '../helpers/browser.ts'
import { TEST_PHRASE } from '../helpers/models.ts'

const JFK_WAV = fileURLToPath(new URL('../fixtures/audio/jfk-16k-s16.wav', import.meta.url))
/** The synthetic model's phrase starts every transcript; a caption or transcript containing it came from the engine. */
const PHRASE_START = TEST_PHRASE.split(',')[0] as string

test('GET / serves the page and its assets without a key, with a self-only content security policy', async (t) => {
  const { fetch, url } = await build(t)
  const page = await fetch('/')
  assert.equal(page.status, 200)
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/)
  const csp = page.headers.get('content-security-policy') ?? ''
  const host = new URL(url).host
  assert.match(csp, /default-src 'self'/)
  assert.match(csp, /script-src 'self'(;|$)/)
  assert.match(csp, new RegExp(`connect-src 'self' ws://${host} wss://${host}(;|$)`))
  assert.match(csp, /form-action 'none'/)
  assert.match(csp, /frame-ancestors 'none'/)
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff')
  assert.equal(page.headers.get('referrer-policy'), 'no-referrer')
  assert.ok(page.headers.get('dg-request-id'))
  const html = await page.text()
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'nothing is loaded from another origin')

  // every asset the page names is served, with its type, and revalidates with a 304
  const assets = [...html.matchAll(/(?:src|href)="(\/playground\/[^"]+)"/g)].map((m) => m[1] as string)
  assert.ok(assets.includes('/playground/app.js') && assets.includes('/playground/style.css'), assets.join())
  for (const asset of [...new Set(assets), '/playground/pcm-worklet.js', '/playground/live.js']) {
    const res = await fetch(asset)
    assert.equal(res.status, 200, asset)
    assert.match(res.headers.get('content-type') ?? '', /^(text\/javascript|application\/javascript|text\/css|image\/svg\+xml)/, asset)
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/)
    assert.equal(res.headers.get('cache-control'), 'no-cache', asset)
    const etag = res.headers.get('etag')
    assert.ok(etag !== null, asset)
    assert.equal((await fetch(asset, { headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' } })).status, 304, asset)
  }

  const missing = await fetch('/playground/nope.js')
  assert.equal(missing.status, 404)
  assert.equal(((await missing.json()) as { err_code: string }).err_code, 'NOT_FOUND')
  assert.equal((await fetch('/playground/..%2fapp.ts')).status, 404)
  assert.equal((await fetch('/docs/')).status, 200)
  assert.equal((await fetch('/nowhere')).status, 404)
})

async function enterKey (page: Page, app: TestApp, key: string): Promise<void> {
  await page.goto(`${app.url}/`)
  await page.getByLabel('API key').fill(key)
  await page.getByRole('button', { name: 'Use key' }).click()
}

test('the playground in a real browser', async (t) => {
  const app = await build(t)
  const key = await app.createKey({ name: 'browser' })
  const browser = await launchBrowser(t)

  await t.test('live captions from the microphone appear as interims and finalise', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    const problems: string[] = []
    page.on('pageerror', (err) => problems.push(err.message))
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()) })
    await enterKey(page, app, key)
    await page.locator('#key-status', { hasText: 'Using key "browser"' }).waitFor()
    assert.equal(await page.locator('#model').inputValue(), 'small-test')
    // the key is in sessionStorage, not in the address
    assert.equal(await page.evaluate("sessionStorage.getItem('earshot.playground.key')"), key)
    assert.doesNotMatch(page.url(), new RegExp(key))

    await page.getByRole('button', { name: 'Start microphone' }).click()
    await page.locator('#captions .final', { hasText: PHRASE_START }).first().waitFor({ timeout: 15_000 })
    await page.locator('#log-list li[data-type="Results"][data-final="false"]').first().waitFor({ state: 'attached' })
    await page.getByRole('button', { name: 'Stop' }).click()
    await page.locator('#live-status', { hasText: 'Finished' }).waitFor()
    await page.locator('#log-list li[data-type="Metadata"]').waitFor({ state: 'attached' })
    assert.equal(await page.locator('#live-error').textContent(), '')
    assert.equal(await page.locator('#captions .interim').count(), 0, 'no provisional text is left once finished')
    const sent = await page.locator('#log-list li[data-type="CloseStream"] pre').textContent()
    assert.deepEqual(JSON.parse(sent ?? ''), { type: 'CloseStream' })
    await page.locator('#log > summary').click()
    await page.locator('#log-list li[data-type="Results"] summary').first().click()
    await page.screenshot({ path: artifactPath('playground-desktop-live.png'), fullPage: true })
    await page.locator('#file-input').setInputFiles(JFK_WAV)
    await page.locator('#file-transcript', { hasText: PHRASE_START }).waitFor({ timeout: 20_000 })
    await page.screenshot({ path: artifactPath('playground-desktop-file.png'), fullPage: true })
    assert.deepEqual(problems, [])
    await context.close()
  })

  await t.test('a file upload shows the transcript, the words and a playable timeline (phone-sized screen)', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
    const page = await context.newPage()
    await enterKey(page, app, key)
    await page.locator('#key-status', { hasText: 'Using key' }).waitFor()
    await page.locator('#file-input').setInputFiles(JFK_WAV)
    await page.locator('#file-transcript', { hasText: PHRASE_START }).waitFor({ timeout: 20_000 })
    const rows = await page.locator('#words-body tr').count()
    assert.ok(rows > 3, `${rows} word rows`)
    assert.equal(await page.locator('.word-box').count(), rows)
    assert.match(await page.locator('#words-body tr').first().innerText(), /^1\s+Hello,?\s+\d+\.\d\d\s+\d+\.\d\d\s+\d+ %$/)
    assert.match(await page.locator('#file-meta').innerText(), /^2\.0 s of audio · model small-test · \d+ words/)

    // clicking a word plays it (its box is marked while it sounds); arrows move along the words
    // (page functions are strings: this file is type-checked against Node's globals, not the DOM's)
    const played = page.evaluate(`new Promise((resolve) => {
      const box = document.querySelector('.word-box')
      new MutationObserver(() => { if (box.classList.contains('playing')) resolve(true) }).observe(box, { attributes: true })
    })`)
    await page.locator('.word-box').first().click()
    assert.equal(await played, true)
    await page.locator('.word-box').first().focus()
    await page.keyboard.press('ArrowRight')
    assert.equal(await page.evaluate("document.activeElement?.getAttribute('data-index')"), '1')
    // no horizontal scrolling of the page itself on a phone: only the timeline scrolls
    assert.equal(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), true)
    await page.screenshot({ path: artifactPath('playground-phone-file.png'), fullPage: true })
    await context.close()
  })

  await t.test('a wrong key shows the 401 message and enables nothing', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await enterKey(page, app, 'not-a-real-key')
    const error = page.getByRole('alert').filter({ hasText: '401' })
    await error.waitFor()
    assert.match(await error.innerText(), /did not accept this key \(401\)/)
    assert.equal(await page.getByRole('button', { name: 'Start microphone' }).isDisabled(), true)
    assert.equal(await page.evaluate("sessionStorage.getItem('earshot.playground.key')"), null)
    await page.screenshot({ path: artifactPath('playground-desktop-401.png') })
    await context.close()
  })

  await t.test('413, 429 (with the wait), 503 and a closed socket get their own messages', async () => {
    const limited = await build(t, { BODY_LIMIT: '4096', RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW: '60s' })
    const context = await browser.newContext()
    const page = await context.newPage()
    await enterKey(page, limited, await limited.createKey())
    await page.locator('#key-status', { hasText: 'Using key' }).waitFor() // requests 1 and 2 of 3
    // dropped, not picked: 64 kB against a 4 kB body limit
    const bytes = [...readFileSync(JFK_WAV)]
    const dataTransfer = await page.evaluateHandle(`(() => {
      const transfer = new DataTransfer()
      transfer.items.add(new File([new Uint8Array(${JSON.stringify(bytes)})], 'jfk.wav', { type: 'audio/wav' }))
      return transfer
    })()`)
    await page.dispatchEvent('#drop', 'drop', { dataTransfer })
    await page.locator('#file-error', { hasText: '(413)' }).waitFor()
    assert.match(await page.locator('#file-error').innerText(), /too large for the server \(413\)/)
    await page.getByRole('button', { name: 'Transcribe again' }).click()
    await page.locator('#file-error', { hasText: '(429)' }).waitFor()
    assert.match(await page.locator('#file-error').innerText(), /Too many requests \(429\)\. Wait (60|59) seconds/)

    // the sentences for a full queue and a closed socket (both need a server state a test cannot cheaply reach)
    const messages = await page.evaluate(`import('/playground/api.js').then((api) => [
      api.describeRefusal(503, { err_code: 'SERVER_BUSY', err_msg: 'The transcription queue is full. Retry later.' }, 2),
      api.describeClose(1011, 'NET-0001')
    ])`) as [string, string]
    assert.equal(messages[0], 'The server is busy or not ready yet (503): The transcription queue is full. Retry later. Try again in 2 seconds.')
    assert.equal(messages[1], 'The live connection closed: code 1011 (server error or idle timeout), reason "NET-0001".')
    await context.close()
  })

  await t.test('a live socket refused after the key was accepted explains why', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const other = await app.createKey({ name: 'soon revoked' })
    await enterKey(page, app, other)
    await page.locator('#key-status', { hasText: 'Using key' }).waitFor()
    assert.equal((await app.app.keys.revoke(other)).kind, 'revoked')
    await page.getByRole('button', { name: 'Start microphone' }).click()
    await page.locator('#live-error', { hasText: '401' }).waitFor()
    assert.equal(await page.getByRole('button', { name: 'Start microphone' }).isEnabled(), true)
    await context.close()
    // the key went out in headers and a WebSocket subprotocol on every request above: none reached a log
    assert.ok(app.logs.length > 0)
    for (const secret of [key, other]) assert.ok(!app.logs.some((line) => line.includes(secret)), 'a key reached the log')
  })
})
