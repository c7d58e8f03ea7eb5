// The key cache across processes on PostgreSQL: each Database opened with watchKeyChanges is one replica.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { sql } from 'kysely'
import { KeyService } from '../../src/auth/key-service.ts'
import { openDatabase, type Database } from '../../src/db/database.ts'
import { AppError } from '../../src/errors.ts'
import { postgresForFile } from '../helpers/postgres.ts'

const postgres = postgresForFile({ pausable: true })

async function open (t: TestContext, url: string, watchKeyChanges: boolean): Promise<{ db: Database, keys: KeyService }> {
  const db = await openDatabase({ DATABASE_PATH: 'unused', DATABASE_URL: url, DATABASE_POOL_MAX: 2 }, { watchKeyChanges })
  t.after(() => db.close())
  return { db, keys: new KeyService(db.keys) }
}

const refusedWith = (code: string) => (err: unknown) => err instanceof AppError && err.code === code

test('a key revoked through another process is refused by every replica on its next request', async (t) => {
  const url = await postgres().createDatabase()
  const [a, b] = [await open(t, url, true), await open(t, url, true)]
  const cli = await open(t, url, false)
  for (let round = 0; round < 5; round++) {
    const { token } = await cli.keys.create({ name: `round-${round}`, expiresAt: null })
    // Twice each: the second answer comes from the cache.
    for (const replica of [a, b, a, b]) assert.equal((await replica.keys.authenticate(token)).name, `round-${round}`)
    const outcome = await cli.keys.revoke(token.slice(0, 8))
    assert.equal(outcome.kind, 'revoked')
    assert.deepEqual(outcome.kind === 'revoked' && outcome.propagation, { replicas: 2, unconfirmed: 0 })
    // No waiting of any kind: the revoke returned only once both replicas had voided their caches.
    await assert.rejects(a.keys.authenticate(token), refusedWith('INVALID_AUTH'))
    await assert.rejects(b.keys.authenticate(token), refusedWith('INVALID_AUTH'))
  }
})

test('an expiry changed in the database reaches every replica; last use does not void caches', async (t) => {
  const url = await postgres().createDatabase()
  const a = await open(t, url, true)
  const admin = await open(t, url, false)
  const { token, key } = await admin.keys.create({ name: 'x', expiresAt: null })
  await a.keys.authenticate(token)
  const before = await a.db.keys.changeCounter()
  let changes = 0
  a.db.keyChanges!.on('change', () => { changes++ })
  await admin.db.keys.touch(key.id, new Date().toISOString())
  const seen = once(a.db.keyChanges!, 'change')
  await sql`UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE id = ${key.id}`.execute(admin.db.kysely)
  await seen
  // Notifications arrive in commit order: had the touch notified, its change would have come first.
  assert.equal(changes, 1)
  assert.notEqual(await a.db.keys.changeCounter(), before)
  await assert.rejects(a.keys.authenticate(token), refusedWith('KEY_EXPIRED'))
})

test('while the listener is disconnected nothing is served from the cache; it reconnects by itself', async (t) => {
  const url = await postgres().createDatabase()
  const a = await open(t, url, true)
  const admin = await open(t, url, false)
  const { token } = await admin.keys.create({ name: 'y', expiresAt: null })
  await a.keys.authenticate(token)
  const listener = a.db.keyChanges!
  const disconnected = once(listener, 'disconnected')
  await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'earshot-key-listener' AND datname = current_database()`.execute(admin.db.kysely)
  await disconnected
  assert.equal(await a.db.keys.changeCounter(), null, 'no counter: every request is checked in the store')
  const listening = once(listener, 'listening')
  // Revoked while nobody listens: the notification is lost, yet the next request is refused.
  await sql`UPDATE api_keys SET revoked_at = now()`.execute(admin.db.kysely)
  await assert.rejects(a.keys.authenticate(token), refusedWith('INVALID_AUTH'))
  await listening
  assert.equal(typeof await a.db.keys.changeCounter(), 'number')
})

test('PostgreSQL down: authentication is a clean 503, and works again once it is back', async (t) => {
  const cluster = postgres()
  const url = await cluster.createDatabase()
  const a = await open(t, url, true)
  const { token } = await a.keys.create({ name: 'z', expiresAt: null })
  await a.keys.authenticate(token)
  const disconnected = once(a.db.keyChanges!, 'disconnected')
  await cluster.pause()
  await disconnected
  await assert.rejects(a.keys.authenticate(token), (err: unknown) => err instanceof AppError && err.statusCode === 503 && err.code === 'DATABASE_UNAVAILABLE')
  await assert.rejects(a.db.ping(), refusedWith('DATABASE_UNAVAILABLE'))
  const listening = once(a.db.keyChanges!, 'listening')
  await cluster.resume()
  await listening
  assert.equal((await a.keys.authenticate(token)).name, 'z')
})
