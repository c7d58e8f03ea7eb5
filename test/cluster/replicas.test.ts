// The whole scale-out story as a deployment runs it, every part its own process on one PostgreSQL: two API-only
// server replicas (ENGINE=off), one `earshot worker`, keys through the real CLI, callbacks to a local receiver.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { earshot } from '../helpers/cli.ts'
import { tempDir, testEnv } from '../helpers/build.ts'
import { startReceiver } from '../helpers/callback-receiver.ts'
import { postgresForFile } from '../helpers/postgres.ts'
import { FAST_JOBS, createKeyWithCli, expectDeepgramError, expectRateLimited, jobState, startReplicas, startWorker, submitCallbackJob } from '../helpers/replicas.ts'

const postgres = postgresForFile()
const jfk = readFileSync(new URL('../fixtures/audio/jfk-16k-s16.wav', import.meta.url))
const jfkFull = readFileSync(new URL('../fixtures/audio/jfk-full-16k-s16.wav', import.meta.url))

const logged = (id: string, msg: string): RegExp => new RegExp(`"request_id":"${id}".*"msg":"${msg}"`)

test('two replicas and a worker on one PostgreSQL: CLI keys, one rate limit, callback jobs that survive SIGKILL', async (t) => {
  const shared = {
    ...FAST_JOBS,
    DATABASE_URL: await postgres().createDatabase(),
    RATE_LIMIT_MAX: '6',
    RATE_LIMIT_WINDOW: '60s',
    // a killed worker's job is retried after 15 s; full 30 s encoder windows keep a decode going long enough to be
    // interrupted, and well under that
    JOBS_EXPIRE: '15',
    DEFAULT_AUDIO_CTX: '0'
  }
  const env = testEnv(tempDir(t), { ...shared, ENGINE: 'off' })
  const [a, b] = await startReplicas(t, env)
  const receiver = await startReceiver(t)
  let worker = startWorker(t, shared)
  const key = await createKeyWithCli(env, 'cluster')
  const asKey = (token: string): Record<string, string> => ({ authorization: `Token ${token}` })
  let first = ''

  await t.test('a key created with the CLI works on both replicas', async () => {
    for (const replica of [a, b]) {
      const res = await replica.get('/v1/auth/key', asKey(key))
      assert.equal(res.status, 200)
      assert.equal((await res.json() as { name: string }).name, 'cluster')
    }
  })

  await t.test('RATE_LIMIT_MAX is one budget across both replicas, with the same 429', async () => {
    const limited = await createKeyWithCli(env, 'limited')
    for (const replica of [a, b, a, b, a, b]) assert.equal((await replica.get('/v1/auth/key', asKey(limited))).status, 200)
    const refusals = []
    for (const replica of [a, b]) refusals.push(await expectRateLimited(await replica.get('/v1/auth/key', asKey(limited)), 6))
    assert.equal(refusals[0]?.err_msg, refusals[1]?.err_msg)
  })

  await t.test('a callback job posted to replica A is run by the worker and delivered once', async () => {
    await worker.waitFor(/"msg":"worker started/)
    first = await submitCallbackJob(a.fetch, key, receiver.url, jfk)
    const [delivery] = await receiver.waitFor(1)
    assert.equal(delivery?.headers['dg-request-id'], first)
    assert.equal((delivery?.body.metadata as { request_id: string }).request_id, first)
    await worker.waitFor(logged(first, 'callback delivered'))
  })

  await t.test('a job posted through replica B, its worker killed with SIGKILL mid-job: the next worker delivers it once', async () => {
    const id = await submitCallbackJob(b.fetch, key, receiver.url, jfkFull)
    await worker.waitFor(logged(id, 'callback job started'))
    // the worker takes one job at a time (JOBS_CONCURRENCY=1): pg-boss recorded the first one before this one
    assert.equal((await jobState(shared.DATABASE_URL, first))?.state, 'completed')
    worker.child.kill('SIGKILL')
    await worker.exited
    assert.equal(receiver.received.length, 1, 'killed before it could deliver')
    assert.equal((await jobState(shared.DATABASE_URL, id))?.state, 'active', 'pg-boss still thinks the dead worker has it')

    worker = startWorker(t, shared)
    const [, delivery] = await receiver.waitFor(2)
    assert.equal(delivery?.headers['dg-request-id'], id)
    assert.equal((delivery?.body.metadata as { request_id: string }).request_id, id)
    await worker.waitFor(logged(id, 'callback delivered'))
    const taken = JSON.parse(await worker.waitFor(logged(id, 'callback job taken'))) as { retry: number }
    assert.equal(taken.retry, 1, 'the second run is pg-boss\'s first retry')
    // stopping the worker waits for pg-boss to record the completion: then nothing can run either job again
    worker.child.kill('SIGTERM')
    assert.equal(await worker.exited, 0, worker.stderr())
    assert.equal((await jobState(shared.DATABASE_URL, id))?.state, 'completed')
    assert.deepEqual(receiver.received.map((r) => r.headers['dg-request-id']), [first, id])
  })

  await t.test('revoked through the CLI, the key is refused by both replicas on the next request', async () => {
    const revoked = await earshot(['revoke', key.slice(0, 8)], env)
    assert.equal(revoked.code, 0, revoked.stderr)
    assert.equal(revoked.stderr, '', 'both replicas confirmed')
    for (const replica of [b, a]) await expectDeepgramError(await replica.get('/v1/auth/key', asKey(key)), 401, 'INVALID_AUTH')
  })
})
