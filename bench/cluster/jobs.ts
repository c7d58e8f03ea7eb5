// Callback job latency, submit to delivery, at 1 and 20 queued jobs: the in-process queue (SQLite default)
// against pg-boss (DATABASE_URL), both with the job run by the replica that took it, and pg-boss with the job run
// by a separate `earshot worker` behind an API-only (ENGINE=off) server. Rounds alternate the setups (A B C A B C…)
// so drift on the machine hits all alike. Prints each round, then medians and the load average seen.
// Usage: npm run bench:jobs -- [--rounds 3] [--jobs 1,20] [--model small-test]
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { startReceiver, type CallbackReceiver } from '../../test/helpers/callback-receiver.ts'
import { testEnv } from '../../test/helpers/build.ts'
import { startPostgres } from '../../test/helpers/postgres.ts'
import type { Arch } from '../../test/helpers/models.ts'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    jobs: { type: 'string', default: '1,20' },
    model: { type: 'string', default: 'small-test' }
  }
})
const root = fileURLToPath(new URL('../..', import.meta.url))
const audio = readFileSync(new URL('../../test/fixtures/audio/jfk-16k-s16.wav', import.meta.url))
const batches = values.jobs.split(',').map(Number)
const model = values.model as Arch
const dir = mkdtempSync(join(tmpdir(), 'earshot-bench-jobs-'))
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)] ?? NaN }

interface Setup { name: string, url: string, key: string, close (): Promise<void> }

async function startApp (env: Record<string, string>, name: string): Promise<{ app: FastifyInstance, url: string, key: string }> {
  const app = await createApp(loadConfig(testEnv(mkdtempSync(join(dir, `${name}-`)), { LOG_LEVEL: 'warn', ALLOW_PRIVATE_URLS: 'true', ...env }, model)))
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const key = (await app.keys.create({ name: 'bench', expiresAt: null })).token
  return { app, url: `http://127.0.0.1:${port}`, key }
}

async function startWorker (env: Record<string, string>): Promise<() => Promise<void>> {
  const child = spawn(process.execPath, ['bin/earshot.mjs', 'worker'], {
    cwd: root, env: { PATH: process.env.PATH ?? '', ...testEnv(mkdtempSync(join(dir, 'worker-')), { LOG_LEVEL: 'info', ALLOW_PRIVATE_URLS: 'true', ...env }, model) }, stdio: ['ignore', 'pipe', 'inherit']
  })
  let out = ''
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => { out += String(d); if (out.includes('worker started')) resolve() })
    child.once('exit', (code) => reject(new Error(`worker exited (${code}): ${out}`)))
  })
  child.stdout.resume()
  return async () => { child.kill('SIGTERM'); await once(child, 'exit') }
}

/** Submits `n` jobs back to back; resolves with each one's submit-to-delivery milliseconds. */
async function measure (setup: Setup, receiver: CallbackReceiver, n: number): Promise<number[]> {
  const before = receiver.received.length
  const sent = new Map<string, number>()
  const seen = receiver.waitFor(before + n)
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    const res = await fetch(`${setup.url}/v1/listen?callback=${encodeURIComponent(receiver.url)}`, {
      method: 'POST', headers: { authorization: `Token ${setup.key}`, 'content-type': 'audio/wav' }, body: audio
    })
    if (res.status !== 200) throw new Error(`${setup.name}: ${res.status} ${await res.text()}`)
    sent.set((await res.json() as { request_id: string }).request_id, t0)
  }
  const arrived = new Map((await seen).slice(before).map((r) => [r.headers['dg-request-id'] as string, r.at]))
  return [...sent].map(([id, t0]) => (arrived.get(id) ?? NaN) - t0)
}

const loads: number[] = [loadavg()[0] ?? 0]
const pgCluster = await startPostgres()
const receiver = await startReceiver()
const setups: Setup[] = []
try {
  const inProcess = await startApp({}, 'in-process')
  setups.push({ name: 'in-process queue (SQLite default)', url: inProcess.url, key: inProcess.key, close: () => inProcess.app.close() })

  const sameEnv = { DATABASE_URL: await pgCluster.createDatabase() }
  const replica = await startApp(sameEnv, 'pg-replica')
  setups.push({ name: 'pg-boss, run by the replica', url: replica.url, key: replica.key, close: () => replica.app.close() })

  const splitEnv = { DATABASE_URL: await pgCluster.createDatabase() }
  const api = await startApp({ ...splitEnv, ENGINE: 'off' }, 'pg-api')
  const stopWorker = await startWorker(splitEnv)
  setups.push({ name: 'pg-boss, API-only + earshot worker', url: api.url, key: api.key, close: async () => { await stopWorker(); await api.app.close() } })

  // one warm-up job each: models loaded, pg-boss queues created, decoder workers started
  for (const s of setups) await measure(s, receiver, 1)

  const results = new Map<string, Map<number, { median: number[], max: number[] }>>()
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const n of batches) {
      for (const s of setups) {
        const ms = await measure(s, receiver, n)
        const byN = results.get(s.name) ?? new Map()
        results.set(s.name, byN)
        const entry = byN.get(n) ?? { median: [], max: [] }
        byN.set(n, entry)
        entry.median.push(median(ms))
        entry.max.push(Math.max(...ms))
        console.log(`round ${round}  ${String(n).padStart(2)} job(s)  ${s.name.padEnd(36)} median ${median(ms).toFixed(0).padStart(6)} ms  last ${Math.max(...ms).toFixed(0).padStart(6)} ms`)
        loads.push(loadavg()[0] ?? 0)
      }
    }
  }
  console.log(`\nmedians over ${values.rounds} rounds (submit to delivery, ms; model ${model}, ${audio.length} B WAV of 2 s per job)`)
  console.log(`${'setup'.padEnd(36)} ${batches.map((n) => `${n} job(s): median / last`.padStart(26)).join('')}`)
  for (const [name, byN] of results) {
    console.log(`${name.padEnd(36)} ${batches.map((n) => {
      const e = byN.get(n)
      return `${median(e?.median ?? []).toFixed(0)} / ${median(e?.max ?? []).toFixed(0)}`.padStart(26)
    }).join('')}`)
  }
  console.log(`\nload average (1 min) during the run: ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)} on ${(await import('node:os')).cpus().length} cores`)
} finally {
  for (const s of setups) await s.close().catch(() => {})
  await receiver.close()
  await pgCluster.stop()
  rmSync(dir, { recursive: true, force: true })
}
