// The in-memory recorder over a real SQLite store: one write per interval whatever the request count, figures that
// include what is not written yet, a failed write kept for the next, write-through mode, close writes the rest.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { sql } from 'kysely'
import { openSqliteKeyRepository } from '../../src/db/keys-repository.ts'
import { UsageRepository } from '../../src/db/usage-repository.ts'
import { sinceHour } from '../../src/usage/period.ts'
import { UsageRecorder } from '../../src/usage/recorder.ts'
import { tempDir } from '../helpers/build.ts'

async function store (t: TestContext) {
  const keys = openSqliteKeyRepository(join(tempDir(t), 'usage.db'))
  t.after(() => keys.close())
  const key = await keys.create({ name: 'k', prefix: 'abcd0000', hash: 'h'.repeat(64), scopes: ['member'], createdAt: new Date().toISOString(), expiresAt: null })
  const repo = new UsageRepository(keys.db)
  const writes: number[] = []
  // The real repository, with its writes counted.
  const counted = { add: async (d: Parameters<UsageRepository['add']>[0]) => { writes.push(d.length); await repo.add(d) }, totalsFor: repo.totalsFor.bind(repo) }
  return { keys, repo, counted, writes, keyId: key.id }
}

test('requests are tallied per key and hour in memory and land in one write per flush', async (t) => {
  const { repo, counted, writes, keyId } = await store(t)
  let now = Date.UTC(2026, 11, 1, 10, 59, 59, 500)
  const errors: unknown[] = []
  const recorder = new UsageRecorder(counted, { flushMs: 3_600_000, onError: (e) => errors.push(e), now: () => now })
  for (let i = 0; i < 100; i++) recorder.record(keyId, { failed: i % 10 === 0, audioSeconds: 0.5 })
  now += 1000 // the next hour
  recorder.record(keyId, { failed: false, audioSeconds: 2 })
  assert.deepEqual(writes, [], 'nothing written before the interval')
  assert.deepEqual(await recorder.figures(keyId), { requests: 101, failedRequests: 10, audioSeconds: 52, lastUsedAt: new Date(now).toISOString() })
  await recorder.flush()
  assert.deepEqual(writes, [2], 'one write, one row per hour')
  assert.equal((await repo.totalsFor(keyId, '2026-12-01T11:00:00.000Z')).requests, 1)
  assert.deepEqual(await recorder.figures(keyId), await repo.totalsFor(keyId), 'written: nothing counted twice')
  await recorder.close()
  assert.deepEqual(writes, [2], 'close with nothing pending writes nothing')
  assert.deepEqual(errors, [])
})

test('a write that fails keeps its figures for the next one; close writes what is left', async (t) => {
  const { keys, repo, counted, keyId } = await store(t)
  const errors: unknown[] = []
  const recorder = new UsageRecorder(counted, { flushMs: 3_600_000, onError: (e) => errors.push(e) })
  recorder.record(keyId, { failed: false, audioSeconds: 1 })
  // A real failure from SQLite: a trigger on this connection refuses every usage row.
  await sql`CREATE TEMP TRIGGER refuse BEFORE INSERT ON key_usage BEGIN SELECT RAISE(ABORT, 'disk full'); END`.execute(keys.db)
  await recorder.flush()
  assert.match(String(errors[0]), /disk full/)
  assert.equal((await recorder.figures(keyId)).requests, 1, 'still counted')
  recorder.record(keyId, { failed: true, audioSeconds: 1 })
  await sql`DROP TRIGGER refuse`.execute(keys.db)
  await recorder.close()
  assert.deepEqual(await repo.totalsFor(keyId), { ...await recorder.figures(keyId) })
  assert.equal((await repo.totalsFor(keyId)).requests, 2)
  assert.equal((await repo.totalsFor(keyId)).failedRequests, 1)
})

test('USAGE_FLUSH_MS=0: one upsert per request, in order', async (t) => {
  const { repo, counted, writes, keyId } = await store(t)
  const recorder = new UsageRecorder(counted, { flushMs: 0, onError: (e) => { throw e } })
  for (let i = 0; i < 5; i++) recorder.record(keyId, { failed: false, audioSeconds: 1 })
  assert.equal((await recorder.figures(keyId)).requests, 5, 'queued writes count until they land')
  await recorder.close()
  assert.deepEqual(writes, [1, 1, 1, 1, 1])
  assert.equal((await repo.totalsFor(keyId)).audioSeconds, 5)
})

test('--since ages round down to the start of their hour', () => {
  const now = Date.UTC(2026, 11, 2, 10, 45)
  assert.equal(sinceHour('30m', now), '2026-12-02T10:00:00.000Z')
  assert.equal(sinceHour('24h', now), '2026-12-01T10:00:00.000Z')
  assert.equal(sinceHour('7d', now), '2026-11-25T10:00:00.000Z')
  assert.equal(sinceHour('2w', now), '2026-11-18T10:00:00.000Z')
  for (const bad of ['', '7', '0d', '-1d', '1y', 'd', '1.5h']) assert.throws(() => sinceHour(bad, now), /invalid --since/, bad)
})

test('a row the store always refuses is dropped after a few writes without taking other keys with it', async (t) => {
  const { repo, counted, keyId } = await store(t)
  const errors: string[] = []
  const recorder = new UsageRecorder(counted, { flushMs: 3_600_000, onError: (e) => errors.push(String(e)) })
  for (let i = 0; i < 5; i++) {
    recorder.record(keyId, { failed: false, audioSeconds: 0 })
    recorder.record(9999, { failed: false, audioSeconds: 0 }) // no such key: the foreign key refuses it
    await recorder.flush()
  }
  assert.equal((await repo.totalsFor(keyId)).requests, 5, 'every write of the real key landed')
  assert.match(errors.at(-1) ?? '', /usage of key 9999 dropped after 5 failed writes: 5 requests/)
  assert.equal((await recorder.figures(9999)).requests, 0)
})
