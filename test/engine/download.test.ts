// Model download against a local HTTP server (tests never touch the internet).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { DownloadError, KNOWN_MODELS, downloadModel } from '../../src/engine/download.ts'
import { testModel } from '../helpers/models.ts'

const root = mkdtempSync(join(tmpdir(), 'earshot-download-'))
let model: Buffer
let server: Server
let base = ''
let dirN = 0
const freshDir = (): string => join(root, `models${dirN++}`)

before(async () => {
  model = readFileSync(testModel('small-test'))
  server = createServer((req, res) => {
    const url = req.url ?? ''
    if (url.startsWith('/redirect/')) {
      res.writeHead(302, { location: `/files/${url.slice('/redirect/'.length)}` }).end()
    } else if (url === '/files/ggml-small-test.bin' || url === '/files/ggml-tiny.en.bin' || url === '/files/ggml-base.en-q5_1.bin') {
      res.writeHead(200, { 'content-length': model.length, 'content-type': 'application/octet-stream' })
      res.end(model)
    } else if (url === '/files/ggml-junk.bin') {
      res.writeHead(200, { 'content-length': 1000 }).end(Buffer.alloc(1000, 7))
    } else if (url === '/cut/ggml-small-test.bin') {
      // announces the whole file, sends half, then drops the connection
      res.writeHead(200, { 'content-length': model.length })
      res.write(model.subarray(0, model.length >> 1), () => res.socket?.destroy())
    } else {
      res.writeHead(404).end('not found')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const addr = server.address()
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
})

after(async () => {
  await new Promise((resolve) => server.close(resolve))
  rmSync(root, { recursive: true, force: true })
})

/** A capture stream that claims to be (or not be) a terminal. */
function capture (isTTY: boolean): { stream: PassThrough, text: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY })
  const chunks: Buffer[] = []
  stream.on('data', (c: Buffer) => chunks.push(c))
  return { stream, text: () => Buffer.concat(chunks).toString() }
}

const noPartials = (dir: string): boolean => !existsSync(dir) || readdirSync(dir).every((f) => !f.endsWith('.part'))

test('downloads, verifies the checksum, shows a progress bar on a TTY, renames into place (redirects followed)', async () => {
  const dir = freshDir()
  const out = capture(true)
  const sha1 = createHash('sha1').update(model).digest('hex')
  const r = await downloadModel('small-test', { modelsDir: dir, baseUrl: `${base}/redirect/`, progress: out.stream, expected: { sha1 } })
  assert.equal(r.path, join(dir, 'ggml-small-test.bin'))
  assert.equal(r.sizeBytes, model.length)
  assert.equal(r.sha1, sha1)
  assert.equal(r.sha256, createHash('sha256').update(model).digest('hex'))
  assert.equal(r.verified, 'sha1')
  assert.equal(r.skipped, false)
  assert.ok(readFileSync(r.path).equals(model))
  assert.deepEqual(readdirSync(dir), ['ggml-small-test.bin'])
  assert.match(out.text(), /\r.*\[#+\] 100%/)
  assert.match(out.text(), /sha1 verified/)

  const again = await downloadModel('small-test', { modelsDir: dir, baseUrl: `${base}/files`, progress: false })
  assert.equal(again.skipped, true)
})

test('without a TTY progress is plain lines; unknown models are checked by size and validated', async () => {
  const out = capture(false)
  const r = await downloadModel('small-test', { modelsDir: freshDir(), baseUrl: `${base}/files`, progress: out.stream })
  assert.equal(r.verified, 'size')
  assert.doesNotMatch(out.text(), /\r/)
  assert.match(out.text(), /^downloading ggml-small-test.bin .*\ndownloaded ggml-small-test.bin: .*size checked/)
})

test('checksum mismatch: error, nothing left behind', async () => {
  const dir = freshDir()
  await assert.rejects(
    downloadModel('small-test', { modelsDir: dir, baseUrl: `${base}/files`, progress: false, expected: { sha256: 'ab'.repeat(32) } }),
    (err: unknown) => err instanceof DownloadError && /checksum mismatch.*sha256/.test(err.message))
  assert.ok(!existsSync(join(dir, 'ggml-small-test.bin')))
  assert.ok(noPartials(dir))
})

test('the built-in table is enforced: a wrong-size tiny.en is refused before downloading', async () => {
  assert.equal(KNOWN_MODELS['tiny.en']?.sizeBytes, 77704715)
  assert.equal(Object.keys(KNOWN_MODELS).length, 29)
  const dir = freshDir()
  await assert.rejects(downloadModel('tiny.en', { modelsDir: dir, baseUrl: `${base}/files`, progress: false }),
    /is \d+ bytes, expected 77704715/)
  assert.ok(noPartials(dir))
})

test('quantized models are in the table with their published SHA-1, and it is enforced', async () => {
  for (const size of ['tiny', 'tiny.en', 'base', 'base.en', 'small', 'small.en']) {
    for (const q of ['q5_1', 'q8_0']) assert.match(KNOWN_MODELS[`${size}-${q}`]?.sha1 ?? '', /^[0-9a-f]{40}$/, `${size}-${q}`)
  }
  for (const name of ['medium-q5_0', 'medium.en-q8_0', 'large-v3-q5_0', 'large-v3-turbo-q8_0']) assert.ok(KNOWN_MODELS[name], name)
  assert.equal(KNOWN_MODELS['base.en-q5_1']?.sha1, 'd26d7ce5a1b6e57bea5d0431b9c20ae49423c94a')
  const dir = freshDir()
  // the mirror serves some other file under that name: downloaded, checked, refused
  await assert.rejects(downloadModel('base.en-q5_1', { modelsDir: dir, baseUrl: `${base}/files`, progress: false }),
    (err: unknown) => err instanceof DownloadError && /checksum mismatch.*sha1/i.test(err.message))
  assert.ok(!existsSync(join(dir, 'ggml-base.en-q5_1.bin')))
  assert.ok(noPartials(dir))
})

test('404, truncated transfer, non-model content, bad names, unreachable host: clear errors', async () => {
  const dir = freshDir()
  await assert.rejects(downloadModel('base.en', { modelsDir: dir, baseUrl: `${base}/files`, progress: false }),
    /model 'base.en' not found at http:\/\/127\.0\.0\.1:\d+\/files\/ggml-base\.en\.bin \(HTTP 404\)/)
  await assert.rejects(downloadModel('small-test', { modelsDir: dir, baseUrl: `${base}/cut`, progress: false }),
    (err: unknown) => err instanceof DownloadError && /truncated|failed after/.test(err.message))
  await assert.rejects(downloadModel('junk', { modelsDir: dir, baseUrl: `${base}/files`, progress: false }),
    /not a usable whisper model: not a whisper.cpp ggml model/)
  await assert.rejects(downloadModel('../evil', { modelsDir: dir, baseUrl: `${base}/files`, progress: false }), /invalid model name/)
  // a port that was just released: connection refused
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const closedPort = (probe.address() as { port: number }).port
  await new Promise((resolve) => probe.close(resolve))
  await assert.rejects(downloadModel('small-test', { modelsDir: dir, baseUrl: `http://127.0.0.1:${closedPort}`, progress: false }),
    (err: unknown) => err instanceof DownloadError && err.message.startsWith(`cannot download http://127.0.0.1:${closedPort}/ggml-small-test.bin`))
  assert.ok(noPartials(dir))
  assert.ok(!existsSync(join(dir, 'ggml-small-test.bin')))
})
