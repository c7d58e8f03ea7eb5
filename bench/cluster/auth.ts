// Authenticated request cost on PostgreSQL (DATABASE_URL) against the SQLite default, side by side in one run.
// Two earshot processes (one per store), each with a key made by the CLI; autocannon drives GET /v1/auth/key on
// each in alternating rounds (S P S P …) so drift on the machine hits both alike. On PostgreSQL a cached key
// costs no query, but the shared rate limit is one upsert per request: the PostgreSQL server's own CPU is shown too.
// Usage: npm run bench:cluster:auth -- [--seconds 10] [--rounds 3] [--connections 50]
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import pg from 'pg'
import { generateModel } from '../../scripts/generate-model.mjs'
import { startPostgres } from '../../test/helpers/postgres.ts'
import { createKey, startServer } from '../prerecorded/server.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' }
  }
})

/** CPU seconds (user + system) of the given processes, from /proc. */
function cpuSeconds (pids: number[]): number {
  let total = 0
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
      total += (Number(fields[11]) + Number(fields[12])) / 100
    } catch {} // a backend that ended meanwhile
  }
  return total
}

/** The PostgreSQL server's processes: the postmaster and every backend and worker it forked. */
function postgresPids (postmaster: number): number[] {
  const children = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]) === postmaster
    } catch {
      return false
    }
  })
  return [postmaster, ...children]
}

const dir = mkdtempSync(join(tmpdir(), 'earshot-bench-cluster-'))
const cluster = await startPostgres()
const url = await cluster.createDatabase()
// The route under test never transcribes: the tiny-dims synthetic model only satisfies start-up.
generateModel(join(dir, 'ggml-small-test.bin'), { arch: 'small-test' })
const common = { MODELS_DIR: dir, DEFAULT_MODEL: 'small-test', AUTO_DOWNLOAD_MODEL: 'false', LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '1000000000' }
const sqliteEnv = { ...common, DATABASE_PATH: join(dir, 'bench.db') }
const postgresEnv = { ...common, DATABASE_URL: url }

const probe = new pg.Client({ connectionString: url })
await probe.connect()
const backend = (await probe.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid as number
const postmaster = Number(readFileSync(`/proc/${backend}/stat`, 'utf8').split(') ')[1]?.split(' ')[1])
await probe.end()

type Sample = { rps: number, p99: number, serverUs: number, postgresUs: number }
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

const servers = {
  sqlite: { server: await startServer(sqliteEnv), token: await createKey(sqliteEnv) },
  postgres: { server: await startServer(postgresEnv), token: await createKey(postgresEnv) }
}

async function load (name: keyof typeof servers): Promise<Sample> {
  const { server, token } = servers[name]
  const pgPids = postgresPids(postmaster)
  const [serverBefore, pgBefore] = [cpuSeconds([server.pid]), cpuSeconds(pgPids)]
  const result = await autocannon({
    url: `${server.base}/v1/auth/key`,
    headers: { authorization: `Token ${token}` },
    connections: Number(values.connections),
    duration: Number(values.seconds)
  })
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors`)
  const perRequest = (seconds: number): number => (seconds * 1e6) / result.requests.total
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    serverUs: perRequest(cpuSeconds([server.pid]) - serverBefore),
    postgresUs: perRequest(cpuSeconds(postgresPids(postmaster)) - pgBefore)
  }
}

const rows: Array<Record<keyof typeof servers, Sample>> = []
try {
  for (let round = 1; round <= Number(values.rounds); round++) {
    const sqlite = await load('sqlite')
    const postgres = await load('postgres')
    rows.push({ sqlite, postgres })
    console.log(`round ${round}: SQLite ${sqlite.rps.toFixed(0)} rps (p99 ${sqlite.p99} ms, ${sqlite.serverUs.toFixed(1)} µs CPU/req) | ` +
      `PostgreSQL ${postgres.rps.toFixed(0)} rps (p99 ${postgres.p99} ms, ${postgres.serverUs.toFixed(1)} µs earshot + ` +
      `${postgres.postgresUs.toFixed(1)} µs PostgreSQL CPU/req) | ratio ${(postgres.rps / sqlite.rps).toFixed(3)}`)
  }
} finally {
  await servers.sqlite.server.stop()
  await servers.postgres.server.stop()
  await cluster.stop()
  rmSync(dir, { recursive: true, force: true })
}

const m = (name: keyof typeof servers, field: keyof Sample): number => median(rows.map((r) => r[name][field]))
console.log(`\n${values.connections} connections, ${values.seconds} s x ${values.rounds} rounds, LOG_LEVEL=warn, one process per store`)
console.log(`load average: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`)
console.log('| GET /v1/auth/key on | median rps | median p99 (ms) | earshot CPU per request (µs) | PostgreSQL CPU per request (µs) |')
console.log('|---|---|---|---|---|')
console.log(`| SQLite (DATABASE_PATH) | ${m('sqlite', 'rps').toFixed(0)} | ${m('sqlite', 'p99')} | ${m('sqlite', 'serverUs').toFixed(1)} | - |`)
console.log(`| PostgreSQL (DATABASE_URL) | ${m('postgres', 'rps').toFixed(0)} | ${m('postgres', 'p99')} | ${m('postgres', 'serverUs').toFixed(1)} | ${m('postgres', 'postgresUs').toFixed(1)} |`)
console.log(`ratio PostgreSQL / SQLite: ${(m('postgres', 'rps') / m('sqlite', 'rps')).toFixed(3)} rps; ` +
  `earshot CPU per request ${(m('postgres', 'serverUs') / m('sqlite', 'serverUs')).toFixed(2)}x`)
