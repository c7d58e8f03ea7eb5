// Usage per key through the real server: REST (Deepgram and OpenAI), live sessions and failures are counted,
// GET /v1/auth/key and `earshot usage --json` (the CLI's entry point) show the figures, shutdown writes what is pending.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { build, tempDir, testEnv, type TestApp } from '../helpers/build.ts'
import { earshot } from '../helpers/cli.ts'
import { startServerProcess } from '../helpers/process.ts'
import { connect } from '../helpers/deepgram-live-client.ts'

const jfk = readFileSync(new URL('../fixtures/audio/jfk-16k-s16.wav', import.meta.url))
const JFK_SECONDS = (jfk.length - 44) / 32000

interface KeyUsageBody { requests: number, failed_requests: number, audio_seconds: number, hours: number, last_used_at: string | null }
interface CliUsageRow extends KeyUsageBody { name: string, prefix: string, status: string, since: string | null }

const auth = (key: string) => ({ authorization: `Token ${key}` })

async function keyUsage (app: Pick<TestApp, 'fetch'>, key: string): Promise<KeyUsageBody> {
  const res = await app.fetch('/v1/auth/key', { headers: auth(key) })
  assert.equal(res.status, 200)
  return (await res.json() as { usage: KeyUsageBody }).usage
}

async function cliUsage (databasePath: string, args: string[] = []): Promise<CliUsageRow[]> {
  const run = await earshot(['usage', '--json', ...args], { DATABASE_PATH: databasePath })
  assert.equal(run.code, 0, run.stderr)
  return JSON.parse(run.stdout) as CliUsageRow[]
}

const near = (actual: number, expected: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) < 0.01, `${what}: ${actual}, expected ${expected}`)
}

test('transcriptions over every protocol, a failure and a live session add up in /v1/auth/key and `earshot usage`', { timeout: 120_000 }, async (t) => {
  const app = await build(t, { USAGE_FLUSH_MS: '3600000' })
  const key = await app.createKey({ name: 'counted' })
  const other = await app.createKey({ name: 'other' })
  assert.deepEqual(await keyUsage(app, key), { requests: 0, failed_requests: 0, audio_seconds: 0, hours: 0, last_used_at: null })

  for (let i = 0; i < 2; i++) {
    const res = await app.fetch('/v1/listen', { method: 'POST', headers: { ...auth(key), 'content-type': 'audio/wav' }, body: jfk })
    assert.equal(res.status, 200)
  }
  const form = new FormData()
  form.append('file', new Blob([jfk], { type: 'audio/wav' }), 'jfk.wav')
  form.append('model', 'small-test')
  assert.equal((await app.fetch('/v1/audio/transcriptions', { method: 'POST', headers: auth(key), body: form })).status, 200)
  const bad = await app.fetch('/v1/listen', { method: 'POST', headers: { ...auth(key), 'content-type': 'audio/wav' }, body: 'not audio at all' })
  assert.equal(bad.status, 400)
  // Refused before a key is known: nobody's usage.
  assert.equal((await app.fetch('/v1/listen', { method: 'POST', headers: { authorization: 'Token nope' }, body: jfk })).status, 401)

  const live = await connect(app, '?encoding=linear16&sample_rate=16000', { headers: auth(key) })
  await live.sendAudio(jfk.subarray(44, 44 + 32000 * 1.5))
  live.sendJson({ type: 'CloseStream' })
  assert.equal((await live.closed).code, 1000)
  assert.equal(live.messages.at(-1)?.type, 'Metadata')
  near(live.messages.at(-1)?.duration as number, 1.5, 'Metadata duration')

  // 1 /auth/key + 2 listen + 1 OpenAI + 1 failed listen + 1 live session; this request itself is not in its figures.
  const usage = await keyUsage(app, key)
  assert.equal(usage.requests, 6)
  assert.equal(usage.failed_requests, 1)
  near(usage.audio_seconds, 3 * JFK_SECONDS + 1.5, 'audio seconds')
  near(usage.hours, usage.audio_seconds / 3600, 'hours')
  assert.ok(usage.last_used_at !== null && Date.now() - Date.parse(usage.last_used_at) < 60_000)
  assert.deepEqual(await keyUsage(app, other), { requests: 0, failed_requests: 0, audio_seconds: 0, hours: 0, last_used_at: null })

  // Nothing written yet (the interval is an hour): the CLI sees the store only.
  assert.equal((await cliUsage(app.config.DATABASE_PATH)).find((r) => r.name === 'counted')?.requests, 0)
  await app.app.usage.flush()
  const rows = await cliUsage(app.config.DATABASE_PATH)
  assert.deepEqual(rows.map((r) => [r.name, r.requests]), [['counted', 7], ['other', 1]])
  const counted = rows[0] as CliUsageRow
  assert.equal(counted.failed_requests, 1)
  near(counted.audio_seconds, usage.audio_seconds, 'CLI audio seconds')
  assert.equal(counted.prefix, key.slice(0, 8))
  assert.equal(counted.status, 'live')
  // Written figures and the unwritten ones add up the same way.
  assert.equal((await keyUsage(app, key)).requests, 7)
})

test('a live session the server closes for bad data counts as failed', { timeout: 60_000 }, async (t) => {
  const app = await build(t)
  const key = await app.createKey()
  const live = await connect(app, '?encoding=linear16&sample_rate=16000', { headers: auth(key) })
  live.sendJson({ type: 'KeepAlive' })
  live.ws.send('{not json')
  assert.deepEqual(await live.closed, { code: 1008, reason: 'DATA-0000' })
  const usage = await keyUsage(app, key)
  assert.equal(usage.requests, 1)
  assert.equal(usage.failed_requests, 1)
})

test('SIGTERM writes what was counted since the last write; the CLI reads it with --since and a prefix', { timeout: 120_000 }, async (t) => {
  const env = testEnv(tempDir(t), { USAGE_FLUSH_MS: '3600000' })
  const database = env.DATABASE_PATH as string
  const created = await earshot(['create', '--name', 'shutdown', '--json'], { DATABASE_PATH: database })
  const key = (JSON.parse(created.stdout) as { token: string }).token
  const server = startServerProcess(env)
  t.after(() => server.child.kill('SIGKILL'))
  const listening = await server.waitFor(/Server listening at http:\/\/127\.0\.0\.1:\d+/)
  const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(listening)?.[1] as string
  const fetchApp = { fetch: (path: string, init?: RequestInit) => fetch(`${url}${path}`, init) }
  await server.waitFor(/default model loaded/)
  const res = await fetchApp.fetch('/v1/listen', { method: 'POST', headers: { ...auth(key), 'content-type': 'audio/wav' }, body: jfk })
  assert.equal(res.status, 200)
  assert.equal((await keyUsage(fetchApp, key)).requests, 1)
  assert.equal((await cliUsage(database))[0]?.requests, 0, 'an hour-long interval: nothing written before shutdown')

  server.child.kill('SIGTERM')
  assert.equal(await server.exited, 0)
  const [row] = await cliUsage(database, [key.slice(0, 6), '--since', '1h'])
  assert.equal(row?.requests, 2)
  near(row?.audio_seconds as number, JFK_SECONDS, 'audio seconds')
  assert.equal(row?.since, new Date(Math.floor((Date.now() - 3_600_000) / 3_600_000) * 3_600_000).toISOString())
})

test('a client that hangs up before the answer counts as a failed request', { timeout: 60_000 }, async (t) => {
  const app = await build(t, {}, 'tiny.en') // a real-sized decode of 11 s: still running when the client leaves
  await app.waitForLog(/default model loaded/)
  const key = await app.createKey()
  const leave = new AbortController()
  const body = readFileSync(new URL('../fixtures/audio/jfk-full-16k-s16.wav', import.meta.url))
  const request = app.fetch('/v1/listen', { method: 'POST', headers: { ...auth(key), 'content-type': 'audio/wav' }, body, signal: leave.signal })
  await app.waitForLog(/"url":"\/v1\/listen".*incoming request/)
  leave.abort()
  await assert.rejects(request)
  await app.waitForLog(/client left before the answer: usage counts a failed request/)
  const usage = await keyUsage(app, key)
  assert.deepEqual([usage.requests, usage.failed_requests, usage.audio_seconds], [1, 1, 0])
})
