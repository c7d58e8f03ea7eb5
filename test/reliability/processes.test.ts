// Real processes killed the hard way: kill -9 of the key CLI mid-create, SIGTERM of the server mid-stream.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { build, tempDir, testEnv, type TestApp } from '../helpers/build.ts'
import { EARSHOT_BIN, ROOT, earshot } from '../helpers/cli.ts'
import { startServerProcess } from '../helpers/process.ts'
import { connect, type LiveClient } from '../helpers/deepgram-live-client.ts'
import { readFileSync } from 'node:fs'

test('kill -9 of `earshot create` at any moment: integrity_check ok, every printed token works', { timeout: 240_000 }, async (t) => {
  const dir = tempDir(t)
  const dbPath = join(dir, 'keys.db')
  assert.equal((await earshot(['init'], { DATABASE_PATH: dbPath })).code, 0)
  const printed: string[] = []
  // Kill points: as soon as it starts, at a few points during start-up and the write, and the moment it prints.
  const killAfterMs = [0, 400, 800, 1200, 1600, 'first output' as const]
  for (const [i, when] of killAfterMs.entries()) {
    const child = spawn(process.execPath, [EARSHOT_BIN, 'create', '--name', `k${i}`, '--json'], {
      cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_PATH: dbPath }, stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    const exited = once(child, 'exit')
    child.stdout.on('data', (d) => {
      out += String(d)
      if (when === 'first output') child.kill('SIGKILL')
    })
    if (when !== 'first output') setTimeout(() => child.kill('SIGKILL'), when)
    await exited
    const token = /"token":"([0-9a-f]{64})"/.exec(out)?.[1]
    if (token !== undefined) printed.push(token)
  }
  const db = new Database(dbPath)
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok')
  db.close()
  // The store still takes writes, and every token a killed CLI printed is a working key.
  const survivor = JSON.parse((await earshot(['create', '--name', 'after', '--json'], { DATABASE_PATH: dbPath })).stdout) as { token: string }
  const app = await build(t, { DATABASE_PATH: dbPath })
  for (const token of [...printed, survivor.token]) {
    assert.equal((await app.fetch('/v1/auth/key', { headers: { authorization: `Token ${token}` } })).status, 200)
  }
})

test('SIGTERM during a live stream: the client gets its finals, Metadata, then close 1001', { timeout: 120_000 }, async (t) => {
  const env = testEnv(tempDir(t))
  const created = await earshot(['create', '--name', 'live', '--json'], { DATABASE_PATH: env.DATABASE_PATH as string })
  const key = (JSON.parse(created.stdout) as { token: string }).token
  const server = startServerProcess(env)
  t.after(() => server.child.kill('SIGKILL'))
  const listening = await server.waitFor(/Server listening at http:\/\/127\.0\.0\.1:\d+/)
  await server.waitFor(/default model loaded/)
  const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(listening)?.[1] as string
  const client: LiveClient = await connect({ url } as TestApp, '?encoding=linear16&sample_rate=16000&interim_results=true',
    { headers: { authorization: `Token ${key}` } })
  const wav = readFileSync(new URL('../fixtures/audio/jfk-16k-s16.wav', import.meta.url))
  await client.sendAudio(wav.subarray(44, 44 + 16000 * 2 * 3))
  await client.until(() => client.results().length > 0) // the server is transcribing this stream
  server.child.kill('SIGTERM')
  const closed = await client.closed
  assert.equal(closed.code, 1001)
  assert.ok(client.finals().length >= 1, client.types().join())
  assert.equal(client.messages.at(-1)?.type, 'Metadata')
  assert.deepEqual(client.problems, [])
  assert.equal(await server.exited, 0)
  assert.ok(!server.lines.some((l) => l.includes(key)), 'the key never reaches the log')
})
