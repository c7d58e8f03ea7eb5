import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createLimiter } from '../../src/auth/rate-limits.ts'
import { openDatabase, type Database } from '../../src/db/database.ts'
import { postgresForFile } from '../helpers/postgres.ts'

const postgres = postgresForFile({ pausable: true })

async function replica (t: TestContext, url: string): Promise<Database> {
  const db = await openDatabase({ DATABASE_PATH: 'unused', DATABASE_URL: url, DATABASE_POOL_MAX: 2 })
  t.after(() => db.close())
  return db
}

test('without PostgreSQL each process counts on its own (the single-box default)', async () => {
  const options = { name: 'key', points: 2, durationSeconds: 60 }
  const [a, b] = [createLimiter({ pool: undefined }, options), createLimiter({ pool: undefined }, options)]
  assert.deepEqual([(await a.consume('k')).allowed, (await a.consume('k')).allowed, (await a.consume('k')).allowed], [true, true, false])
  assert.equal((await b.consume('k')).allowed, true)
})

test('limiters of two replicas on one PostgreSQL share one budget per subject', async (t) => {
  const url = await postgres().createDatabase()
  const options = { name: 'key', points: 3, durationSeconds: 60 }
  const [a, b] = [createLimiter(await replica(t, url), options), createLimiter(await replica(t, url), options)]
  const decisions = [await a.consume('1'), await b.consume('1'), await a.consume('1')]
  assert.deepEqual(decisions.map((d) => [d.allowed, d.remaining]), [[true, 2], [true, 1], [true, 0]])
  for (const limiter of [b, a, b]) {
    const refused = await limiter.consume('1')
    assert.equal(refused.allowed, false)
    assert.ok(refused.resetSeconds >= 1 && refused.resetSeconds <= 60, String(refused.resetSeconds))
  }
  assert.equal((await b.consume('2')).allowed, true, 'another subject has its own budget')
  const failures = createLimiter(await replica(t, url), { name: 'auth-failure', points: 3, durationSeconds: 60 })
  assert.equal((await failures.consume('1')).allowed, true, 'limiters with other names count apart')
})

test('PostgreSQL unreachable: each replica falls back to counting in memory, then shares again', async (t) => {
  const cluster = postgres()
  const db = await replica(t, await cluster.createDatabase())
  const limiter = createLimiter(db, { name: 'key', points: 2, durationSeconds: 60 })
  assert.equal((await limiter.consume('x')).allowed, true)
  await cluster.pause()
  try {
    assert.deepEqual([(await limiter.consume('y')).allowed, (await limiter.consume('y')).allowed, (await limiter.consume('y')).allowed], [true, true, false])
  } finally {
    await cluster.resume()
  }
  assert.deepEqual([(await limiter.consume('x')).allowed, (await limiter.consume('x')).allowed], [true, false], 'the stored count survived')
})
