// Callback jobs on PostgreSQL: an API-only server (ENGINE=off) queues through pg-boss, a separate `earshot worker`
// process runs the job and delivers it; a worker killed with SIGKILL mid-job leaves it to be retried by the next.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import pg from 'pg'
import { build } from '../helpers/build.ts'
import { startReceiver } from '../helpers/callback-receiver.ts'
import { postgresForFile } from '../helpers/postgres.ts'
import { FAST_JOBS as JOBS, jobState, startWorker, submitCallbackJob } from '../helpers/replicas.ts'
import { loadConfig } from '../../src/config.ts'
import { createJobQueue, type JobCounts } from '../../src/jobs/index.ts'

const postgres = postgresForFile()
const jfk = readFileSync(new URL('../fixtures/audio/jfk-16k-s16.wav', import.meta.url))
const jfkFull = readFileSync(new URL('../fixtures/audio/jfk-full-16k-s16.wav', import.meta.url))

/** The jobs-by-state figures (/metrics' gauge) from a fresh queue object, as another replica sees them. */
async function jobCounts (url: string): Promise<JobCounts> {
  const queue = createJobQueue(loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent' }), { info () {}, warn () {}, error () {} })
  try {
    return await queue.counts()
  } finally {
    await queue.close(0)
  }
}

async function audioRows (url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM job_audio')).rows[0]?.n)
  } finally {
    await client.end()
  }
}

test('an API-only server queues a callback job on PostgreSQL; an `earshot worker` process runs and delivers it once', async (t) => {
  const url = await postgres().createDatabase()
  const env = { ...JOBS, DATABASE_URL: url }
  const api = await build(t, { ...env, ENGINE: 'off' })
  assert.equal((await api.fetch('/health')).status, 200)
  const receiver = await startReceiver(t)
  const key = await api.createKey()
  // queued before any worker exists: the job waits in PostgreSQL
  const id = await submitCallbackJob(api.fetch, key, receiver.url, jfk)
  assert.equal(await audioRows(url), 1)

  const worker = startWorker(t, env, 'small-test')
  const [delivery] = await receiver.waitFor(1)
  assert.equal(delivery?.headers['dg-request-id'], id)
  assert.equal((delivery?.body.metadata as { request_id: string }).request_id, id)
  await worker.waitFor(new RegExp(`"request_id":"${id}".*"msg":"callback delivered"`))

  // stopping the worker waits for pg-boss to record the completion: then nothing can run it again
  worker.child.kill('SIGTERM')
  assert.equal(await worker.exited, 0, worker.stderr())
  assert.ok(worker.lines.some((l) => l.includes('"msg":"worker stopped"')))
  assert.equal((await jobState(url, id))?.state, 'completed')
  assert.equal(receiver.received.length, 1)
  assert.equal(await audioRows(url), 0, 'the stored audio is deleted after delivery')
})

test('a worker killed with SIGKILL mid-job leaves the job to be retried: the next worker delivers it once', async (t) => {
  const url = await postgres().createDatabase()
  // full 30 s encoder windows: the decode lasts long enough to be interrupted, and well under JOBS_EXPIRE
  const env = { ...JOBS, DATABASE_URL: url, JOBS_EXPIRE: '15', DEFAULT_AUDIO_CTX: '0' }
  const api = await build(t, { ...env, ENGINE: 'off' }, 'small-test')
  const receiver = await startReceiver(t)
  const key = await api.createKey()

  const first = startWorker(t, env, 'small-test')
  await first.waitFor(/"msg":"worker started/)
  const id = await submitCallbackJob(api.fetch, key, receiver.url, jfkFull)
  await first.waitFor(new RegExp(`"request_id":"${id}".*"msg":"callback job started"`))
  first.child.kill('SIGKILL')
  await first.exited
  assert.equal(receiver.received.length, 0, 'killed before it could deliver')
  assert.equal((await jobState(url, id))?.state, 'active', 'pg-boss still thinks the dead worker has it')

  const second = startWorker(t, env, 'small-test')
  const [delivery] = await receiver.waitFor(1)
  assert.equal(delivery?.headers['dg-request-id'], id)
  await second.waitFor(new RegExp(`"request_id":"${id}".*"msg":"callback delivered"`))
  const taken = JSON.parse(await second.waitFor(new RegExp(`"request_id":"${id}".*"msg":"callback job taken"`))) as { retry: number }
  assert.equal(taken.retry, 1, 'the second run is pg-boss\'s first retry')
  second.child.kill('SIGTERM')
  assert.equal(await second.exited, 0, second.stderr())
  assert.equal((await jobState(url, id))?.state, 'completed')
  assert.equal(receiver.received.length, 1)
})

test('SIGTERM mid-job: the worker finishes and delivers the running job, then exits 0', async (t) => {
  const url = await postgres().createDatabase()
  const env = { ...JOBS, DATABASE_URL: url, DEFAULT_AUDIO_CTX: '0' }
  const api = await build(t, { ...env, ENGINE: 'off' })
  const receiver = await startReceiver(t)
  const worker = startWorker(t, env, 'small-test')
  await worker.waitFor(/"msg":"worker started/)
  const id = await submitCallbackJob(api.fetch, await api.createKey(), receiver.url, jfkFull)
  await worker.waitFor(new RegExp(`"request_id":"${id}".*"msg":"callback job started"`))
  worker.child.kill('SIGTERM')
  assert.equal(await worker.exited, 0, worker.stderr())
  assert.equal(receiver.received.length, 1, 'delivered before the worker exited')
  assert.equal(receiver.received[0]?.headers['dg-request-id'], id)
  assert.equal((await jobState(url, id))?.state, 'completed')
})

test('a replica with its engine on and DATABASE_URL takes jobs from pg-boss itself', async (t) => {
  const url = await postgres().createDatabase()
  const app = await build(t, { ...JOBS, DATABASE_URL: url })
  assert.equal(app.app.jobs.kind, 'pg-boss')
  const receiver = await startReceiver(t)
  const id = await submitCallbackJob(app.fetch, await app.createKey(), receiver.url, jfk)
  const [delivery] = await receiver.waitFor(1)
  assert.equal((delivery?.body.metadata as { request_id: string }).request_id, id)
  await app.waitForLog(new RegExp(`"request_id":"${id}".*"msg":"callback delivered"`))
  await app.app.close()
  assert.equal((await jobCounts(url)).completed, 1)
  assert.equal((await jobState(url, id))?.state, 'completed')
  assert.equal(receiver.received.length, 1)
})
