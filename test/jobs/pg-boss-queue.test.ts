// The pg-boss queue's connections: a PostgreSQL session ending under them (a server shutdown, a failover, an
// administrator's pg_terminate_backend) is reported and the queue goes on; it never ends the process.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { expectCheckedOutTerminationReported, postgresForFile } from '../helpers/postgres.ts'
import { openQueuePool, PgBossJobQueue } from '../../src/jobs/pg-boss-queue.ts'
import type { JobSpec } from '../../src/jobs/spec.ts'

const postgres = postgresForFile()

const codeOf = (err: unknown): string | undefined => (err as { code?: string } | undefined)?.code

test('a checked-out queue connection the server terminates between queries is reported, not thrown, and the pool goes on', async (t) => {
  const url = await postgres().createDatabase()
  const errors: unknown[] = []
  const pool = openQueuePool(url, 2, 'earshot-jobs', (err) => { errors.push(err) })
  t.after(() => pool.end())
  await expectCheckedOutTerminationReported(pool, errors)
})

test('pg-boss\'s sessions terminated while the queue runs (idle, and in the middle of its fetch): reported, and the next job runs', { timeout: 60_000 }, async (t) => {
  const url = await postgres().createDatabase()
  const logged: Array<{ msg: string | undefined, obj: { err?: unknown, pool?: string } }> = []
  let onReported: () => void = () => {}
  const record = (obj: unknown, msg?: string): void => {
    const entry = { msg, obj: obj as { err?: unknown, pool?: string } }
    logged.push(entry)
    if (msg === 'job queue connection failed' && entry.obj.pool === 'earshot-jobs' && codeOf(entry.obj.err) === '57P01') onReported()
  }
  const queue = new PgBossJobQueue({
    connectionString: url, concurrency: 1, expireSeconds: 60, retryLimit: 1, retryDelaySeconds: 1, superviseSeconds: 1,
    logger: { info () {}, warn: record, error: record }
  })
  t.after(() => queue.close(0))
  const taken: string[] = []
  let onTaken: () => void = () => {}
  await queue.work(async (spec) => {
    taken.push(spec.requestId)
    onTaken()
  })

  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  t.after(() => admin.end())
  const ended = new Set<number>()
  const pgBossSessions = async (where: string): Promise<number[]> => (await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE application_name = 'earshot-jobs' AND datname = current_database() AND ${where}`)).rows
    .map((r) => r.pid).filter((pid) => !ended.has(pid))
  const terminate = async (pids: number[]): Promise<void> => {
    for (const pid of pids) ended.add(pid)
    await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids])
  }
  // pg-boss polls every second: waiting for its sessions to be in a state is waiting for a condition PostgreSQL reports
  const sessionsWhen = async (where: string): Promise<number[]> => {
    for (;;) {
      const pids = await pgBossSessions(where)
      if (pids.length > 0) return pids
      await admin.query('SELECT pg_sleep(0.05)')
    }
  }

  // In the middle of a query: pg-boss's next fetch waits on a lock this session holds, and is ended there.
  const blocker = new pg.Client({ connectionString: url })
  await blocker.connect()
  t.after(() => blocker.end())
  await blocker.query('BEGIN')
  await blocker.query('LOCK TABLE pgboss.job IN ACCESS EXCLUSIVE MODE')
  await terminate(await sessionsWhen("wait_event_type = 'Lock'"))
  await blocker.query('ROLLBACK')
  t.diagnostic('fetch ended mid-query')

  // Between queries: the connections pg-boss opens again are ended while they wait for its next one. A session
  // PostgreSQL shows as idle may already have the client's next query on the wire; that query fails (pg-boss reports
  // it) and no connection error is emitted, so end the idle ones again until a kill lands between queries.
  let isReported = false
  const reported = new Promise<void>((resolve) => { onReported = () => { isReported = true; resolve() } })
  while (!isReported) {
    await terminate(await sessionsWhen("state = 'idle'"))
    await Promise.race([reported, sessionsWhen("state = 'idle'")])
  }
  t.diagnostic('an idle connection ended and reported')

  const requestId = randomUUID()
  const spec = {
    requestId, plan: {}, audio: {}, response: {}, callback: { url: 'https://example.com/hook', method: 'POST' }, submittedAt: new Date().toISOString()
  } as unknown as JobSpec
  const ran = new Promise<void>((resolve) => { onTaken = resolve })
  await queue.submit(spec, new Uint8Array(16))
  await ran
  t.diagnostic('the next job ran')
  assert.deepEqual(taken, [requestId])
  assert.ok(logged.some((l) => l.msg === 'pg-boss error' && codeOf(l.obj.err) === '57P01'), 'the fetch ended mid-query is reported by pg-boss')
})

test('queues started at once on a new database (replicas starting together) all start: none dies of a deadlock', { timeout: 120_000 }, async () => {
  // pg-boss's create_queue deadlocked here in about one run of this test in three before the queue retried it
  const refusals: string[] = []
  for (let round = 0; round < 8; round++) {
    const url = await postgres().createDatabase()
    const queues = [0, 1, 2, 3].map(() => new PgBossJobQueue({
      connectionString: url, concurrency: 1, expireSeconds: 60, retryLimit: 1, retryDelaySeconds: 1, superviseSeconds: 60,
      logger: { info () {}, warn () {}, error () {} }
    }))
    const started = await Promise.allSettled(queues.map(async (q) => { await q.start() }))
    await Promise.all(queues.map(async (q) => { await q.close(0) }))
    for (const s of started) if (s.status === 'rejected') refusals.push(`round ${round}: ${String(s.reason)}`)
  }
  assert.deepEqual(refusals, [])
})

test('stopTaking (a replica shutting down): its consumer takes no new job, another one does; submit still works', { timeout: 60_000 }, async (t) => {
  const url = await postgres().createDatabase()
  const silent = { info () {}, warn () {}, error () {} }
  const options = { connectionString: url, concurrency: 1, expireSeconds: 60, retryLimit: 1, retryDelaySeconds: 1, superviseSeconds: 60, logger: silent }
  const stopping = new PgBossJobQueue(options)
  const other = new PgBossJobQueue(options)
  t.after(async () => { await Promise.all([stopping.close(0), other.close(0)]) })
  const taken: Array<[string, string]> = []
  let onTaken: () => void = () => {}
  await stopping.work(async (spec) => { taken.push(['stopping', spec.requestId]); onTaken() })
  await other.work(async (spec) => { taken.push(['other', spec.requestId]); onTaken() })

  stopping.stopTaking()
  const requestId = randomUUID()
  const spec = {
    requestId, plan: {}, audio: {}, response: {}, callback: { url: 'https://example.com/hook', method: 'POST' }, submittedAt: new Date().toISOString()
  } as unknown as JobSpec
  const tookIt = new Promise<void>((resolve) => { onTaken = resolve })
  // submitted through the stopping queue, which wakes its own consumer at once when it has one taking jobs
  await stopping.submit(spec, new Uint8Array(16))
  await tookIt
  assert.deepEqual(taken, [['other', requestId]])
})
