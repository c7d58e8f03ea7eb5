// The same usage queries against the SQLite default and a real PostgreSQL: upserts add up, the later last use
// wins whatever order two writers flush in, --since and prefix filters, revoked keys only when used.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import type { DatabaseSchema } from '../../src/db/schema.ts'
import { openSqliteKeyRepository } from '../../src/db/keys-repository.ts'
import { migratePostgres, openPostgresPool, postgresKysely } from '../../src/db/postgres.ts'
import { UsageRepository, type UsageDelta } from '../../src/db/usage-repository.ts'
import { tempDir } from '../helpers/build.ts'
import { postgresForFile } from '../helpers/postgres.ts'

const postgres = postgresForFile()

async function sqliteDb (t: TestContext): Promise<Kysely<DatabaseSchema>> {
  const repo = openSqliteKeyRepository(join(tempDir(t), 'usage.db'))
  t.after(() => repo.close())
  return repo.db
}

async function postgresDb (t: TestContext): Promise<Kysely<DatabaseSchema>> {
  const url = await postgres().createDatabase()
  const db = postgresKysely<DatabaseSchema>(openPostgresPool(url, 2, (err) => { throw err }))
  t.after(() => db.destroy())
  await migratePostgres(db)
  return db
}

async function addKey (db: Kysely<DatabaseSchema>, name: string, prefix: string, revoked = false): Promise<number> {
  const row = await db.insertInto('api_keys').values({
    name, prefix, hash: `${prefix}-hash`, scopes: '["member"]', created_at: '2026-11-01T00:00:00.000Z',
    revoked_at: revoked ? '2026-11-02T00:00:00.000Z' : null
  }).returning('id').executeTakeFirstOrThrow()
  return Number(row.id)
}

const delta = (keyId: number, hour: string, d: Partial<UsageDelta> = {}): UsageDelta => ({
  keyId, hour, requests: 1, failedRequests: 0, audioSeconds: 0, lastUsedAt: hour.replace(':00:00.000Z', ':10:00.000Z'), ...d
})

for (const [dialect, open] of [['SQLite', sqliteDb], ['PostgreSQL', postgresDb]] as const) {
  test(`${dialect}: upserts add to the hour's row; totals and per-key figures, filtered by hour and prefix`, { timeout: 60_000 }, async (t) => {
    const db = await open(t)
    const usage = new UsageRepository(db)
    const a = await addKey(db, 'laptop', 'aaaa1111')
    const b = await addKey(db, 'ci', 'bbbb2222')
    const idle = await addKey(db, 'idle', 'cccc3333')
    const oldRevoked = await addKey(db, 'old', 'dddd4444', true)
    const usedRevoked = await addKey(db, 'gone', 'eeee5555', true)
    const old = '2026-11-20T08:00:00.000Z'
    const recent = '2026-12-01T10:00:00.000Z'

    await usage.add([
      delta(a, old, { requests: 2, audioSeconds: 10.5 }),
      delta(a, recent, { requests: 3, failedRequests: 1, audioSeconds: 4.25, lastUsedAt: '2026-12-01T10:30:00.000Z' }),
      delta(b, recent, { requests: 1 }),
      delta(oldRevoked, old),
      delta(usedRevoked, recent)
    ])
    // A second writer adds to the same hour; its flush arrives last but its last use was earlier.
    await usage.add([delta(a, recent, { requests: 1, audioSeconds: 0.75, lastUsedAt: '2026-12-01T10:05:00.000Z' })])
    await usage.add([])

    assert.deepEqual(await usage.totalsFor(a), { requests: 6, failedRequests: 1, audioSeconds: 15.5, lastUsedAt: '2026-12-01T10:30:00.000Z' })
    assert.deepEqual(await usage.totalsFor(a, recent), { requests: 4, failedRequests: 1, audioSeconds: 5, lastUsedAt: '2026-12-01T10:30:00.000Z' })
    assert.deepEqual(await usage.totalsFor(idle), { requests: 0, failedRequests: 0, audioSeconds: 0, lastUsedAt: null })

    const all = await usage.perKey()
    assert.deepEqual(all.map((k) => [k.name, k.requests]), [['laptop', 6], ['ci', 1], ['idle', 0], ['old', 1], ['gone', 1]])
    const recentOnly = await usage.perKey({ sinceHour: recent })
    assert.deepEqual(recentOnly.map((k) => [k.name, k.requests, k.audioSeconds]),
      [['laptop', 4, 5], ['ci', 1, 0], ['idle', 0, 0], ['gone', 1, 0]], 'revoked keys unused in the period are left out')
    assert.equal(recentOnly[2]?.lastUsedAt, null)
    const byPrefix = await usage.perKey({ prefix: 'AAAA' })
    assert.deepEqual(byPrefix.map((k) => ({ ...k })), [{
      keyId: a, name: 'laptop', prefix: 'aaaa1111', revokedAt: null, requests: 6, failedRequests: 1, audioSeconds: 15.5, lastUsedAt: '2026-12-01T10:30:00.000Z'
    }])
    assert.deepEqual(await usage.perKey({ prefix: 'ffff' }), [])
  })

  test(`${dialect}: a flush of many rows lands in one transaction, or not at all`, { timeout: 60_000 }, async (t) => {
    const db = await open(t)
    const usage = new UsageRepository(db)
    const key = await addKey(db, 'bulk', 'ffff0000')
    const hours = Array.from({ length: 1200 }, (_, i) => new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString())
    await usage.add(hours.map((h) => delta(key, h)))
    assert.equal((await usage.totalsFor(key)).requests, 1200)
    // The last row names a key that does not exist: the foreign key refuses it, and the rows before it go too.
    await assert.rejects(usage.add([...hours.map((h) => delta(key, h)), delta(999_999, hours[0] as string)]))
    assert.equal((await usage.totalsFor(key)).requests, 1200)
  })
}
