// One table of behaviours, run against both stores: the embedded SQLite default and PostgreSQL (DATABASE_URL).
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { openDatabase, type Database } from '../../src/db/database.ts'
import type { NewApiKey } from '../../src/db/keys-repository.ts'
import { tempDir } from '../helpers/build.ts'
import { postgresForFile } from '../helpers/postgres.ts'

const postgres = postgresForFile()

const stores: Record<string, (t: TestContext) => Promise<Database>> = {
  sqlite: async (t) => openDatabase({ DATABASE_PATH: join(tempDir(t), 'keys.db'), DATABASE_URL: undefined, DATABASE_POOL_MAX: 2 }),
  postgres: async () => openDatabase({ DATABASE_PATH: 'unused', DATABASE_URL: await postgres().createDatabase(), DATABASE_POOL_MAX: 2 })
}

const newKey = (n: number, overrides: Partial<NewApiKey> = {}): NewApiKey => ({
  name: `key-${n}`,
  prefix: `abcd${String(n).padStart(4, '0')}`,
  hash: String(n).repeat(64).slice(0, 64),
  scopes: ['member'],
  createdAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)).toISOString(),
  expiresAt: null,
  ...overrides
})

for (const [dialect, open] of Object.entries(stores)) {
  const withStore = async (t: TestContext): Promise<Database> => {
    const db = await open(t)
    t.after(() => db.close())
    assert.equal(db.dialect, dialect)
    return db
  }

  test(`${dialect}: a created key reads back field for field, timestamps as the same ISO strings`, async (t) => {
    const { keys } = await withStore(t)
    const expiresAt = '2027-06-30T23:59:59.999Z'
    const created = await keys.create(newKey(1, { scopes: ['member', 'admin'], expiresAt }))
    assert.equal(typeof created.id, 'number')
    assert.deepEqual(created, {
      id: created.id,
      name: 'key-1',
      prefix: 'abcd0001',
      scopes: ['member', 'admin'],
      createdAt: '2026-01-02T03:04:05.678Z',
      lastUsedAt: null,
      expiresAt,
      revokedAt: null
    })
    assert.deepEqual(await keys.findByHash(newKey(1).hash), created)
    assert.equal(await keys.findByHash('nope'), undefined)
  })

  test(`${dialect}: a hash is unique`, async (t) => {
    const { keys } = await withStore(t)
    await keys.create(newKey(2))
    await assert.rejects(keys.create(newKey(2, { name: 'again' })))
    assert.equal((await keys.list({ includeRevoked: true })).length, 1)
  })

  test(`${dialect}: prefix search, listing, revocation (once) and last use`, async (t) => {
    const { keys } = await withStore(t)
    const a = await keys.create(newKey(3))
    const b = await keys.create(newKey(4, { prefix: 'abcd0003' }))
    await keys.create(newKey(5, { prefix: 'ffff0000' }))
    assert.deepEqual((await keys.findByPrefix('abcd0003')).map((k) => k.id), [a.id, b.id])
    assert.deepEqual((await keys.findByPrefix('abcd0003-and-more')).map((k) => k.id), [a.id, b.id], 'only the first 8 characters count')
    assert.equal((await keys.findByPrefix('abcd')).length, 2)
    const revokedAt = '2026-02-03T04:05:06.789Z'
    assert.deepEqual(await keys.revoke(a.id, revokedAt), { replicas: 0, unconfirmed: 0 }, 'no replica is listening')
    await keys.revoke(a.id, '2099-01-01T00:00:00.000Z')
    assert.equal((await keys.findByHash(newKey(3).hash))?.revokedAt, revokedAt, 'a second revocation keeps the first time')
    assert.deepEqual((await keys.list({ includeRevoked: false })).map((k) => k.name), ['key-4', 'key-5'])
    assert.deepEqual((await keys.list({ includeRevoked: true })).map((k) => k.name), ['key-3', 'key-4', 'key-5'])
    const usedAt = '2026-03-04T05:06:07.890Z'
    await keys.touch(b.id, usedAt)
    assert.equal((await keys.findByHash(newKey(4).hash))?.lastUsedAt, usedAt)
    await keys.ping()
  })

  test(`${dialect}: a one-shot opening (the CLI's) has a change counter only where changes are visible`, async (t) => {
    const db = await withStore(t)
    const counter = await db.keys.changeCounter()
    // SQLite sees other connections' commits through data_version; PostgreSQL needs the listener the CLI skips.
    if (dialect === 'sqlite') assert.equal(typeof counter, 'number')
    else assert.equal(counter, null)
  })
}
