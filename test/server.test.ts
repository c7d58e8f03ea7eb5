import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { tempDir, testEnv } from './helpers/build.ts'
import { startServerProcess } from './helpers/process.ts'

test('a bad configuration stops start-up with one message listing every problem', async (t) => {
  const server = startServerProcess({ DATABASE_PATH: join(tempDir(t), 'db'), PORT: '-1', RATE_LIMIT_MAX: 'lots' })
  assert.equal(await server.exited, 1)
  assert.match(server.stderr(), /Invalid configuration:\n {2}- PORT: .*\n {2}- RATE_LIMIT_MAX: /)
})

test('SIGTERM lets an in-flight request finish, then closes the database cleanly', async (t) => {
  const env = testEnv(tempDir(t), { ENABLE_TEST_TOKEN_ENDPOINT: 'true' })
  const dbPath = env.DATABASE_PATH as string
  const server = startServerProcess(env)
  t.after(() => server.child.kill('SIGKILL'))
  const listening = await server.waitFor(/Server listening at http:\/\/127\.0\.0\.1:\d+/)
  const port = Number(/127\.0\.0\.1:(\d+)/.exec(listening)?.[1])
  assert.ok(existsSync(`${dbPath}-wal`), 'WAL mode while running')

  // A request whose body is still arriving when the signal comes.
  const req = request({ port, host: '127.0.0.1', method: 'POST', path: '/v1/auth/test-token', headers: { 'content-type': 'application/json', 'content-length': '8' } })
  const response = new Promise<{ status: number | undefined, body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let body = ''
      res.on('data', (d) => { body += String(d) })
      res.on('end', () => resolve({ status: res.statusCode, body }))
    })
    req.on('error', reject)
  })
  req.write('{"a":')
  await server.waitFor(/"url":"\/v1\/auth\/test-token".*incoming request/)
  server.child.kill('SIGTERM')
  await server.waitFor(/shutting down/)
  req.end('12}')

  const { status, body } = await response
  assert.equal(status, 200)
  assert.match((JSON.parse(body) as { token: string }).token, /^[0-9a-f]{64}$/)
  assert.equal(await server.exited, 0)
  assert.ok(!existsSync(`${dbPath}-wal`), 'the last connection closed and checkpointed the WAL')
})

test('offline with no model: start-up names the file and where to put it', async (t) => {
  const dir = tempDir(t)
  // Port 9 on loopback refuses at once: the same failure as a machine with no route out.
  const server = startServerProcess(testEnv(dir, { MODELS_DIR: join(dir, 'models'), DEFAULT_MODEL: 'base.en', AUTO_DOWNLOAD_MODEL: 'true', MODEL_BASE_URL: 'http://127.0.0.1:9/models' }))
  assert.equal(await server.exited, 1)
  const message = server.stderr()
  assert.match(message, new RegExp(`earshot needs the file ${join(dir, 'models', 'ggml-base.en.bin').replaceAll('.', '\\.')}`))
  assert.match(message, /could not be downloaded: cannot download http:\/\/127\.0\.0\.1:9\/models\/ggml-base\.en\.bin/)
  assert.match(message, /earshot models download base\.en/)
})
