import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { migrate, openSqlite, readMigrations } from '../../src/db/sqlite.ts'
import { openSqliteKeyRepository } from '../../src/db/keys-repository.ts'
import { tempDir } from '../helpers/build.ts'

test('migrations are numbered NNN-description.sql, unique and in order', () => {
  const migrations = readMigrations()
  assert.ok(migrations.length >= 1)
  assert.deepEqual(migrations.map((m) => m.version), migrations.map((_, i) => i + 1))
})

test('openSqlite uses WAL, applies every migration once and records it', (t) => {
  const path = join(tempDir(t), 'nested', 'db.sqlite')
  const db = openSqlite(path)
  t.after(() => db.close())
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal')
  const applied = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()
  assert.deepEqual(applied, readMigrations().map((m) => ({ version: m.version, name: m.name })))
  assert.deepEqual(migrate(db), [], 'running again applies nothing')
  const columns = (db.prepare('PRAGMA table_info(api_keys)').all() as Array<{ name: string }>).map((c) => c.name)
  for (const c of ['name', 'prefix', 'hash', 'scopes', 'created_at', 'last_used_at', 'expires_at', 'revoked_at']) assert.ok(columns.includes(c), c)
})

test('a failing migration rolls back whole and leaves earlier ones and the data intact', (t) => {
  const dir = tempDir(t)
  const migrations = join(dir, 'migrations')
  mkdirSync(migrations)
  writeFileSync(join(migrations, '001-first.sql'), 'CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);')
  writeFileSync(join(migrations, '002-broken.sql'), 'CREATE TABLE b (y INTEGER); INSERT INTO nowhere VALUES (2);')
  const path = join(dir, 'db.sqlite')
  assert.throws(() => openSqlite(path, migrations), /no such table: nowhere/)
  const db = new Database(path)
  t.after(() => db.close())
  assert.deepEqual(db.prepare('SELECT version FROM schema_migrations').all(), [{ version: 1 }])
  assert.deepEqual(db.prepare('SELECT x FROM a').all(), [{ x: 1 }])
  assert.equal(db.prepare("SELECT name FROM sqlite_master WHERE name = 'b'").get(), undefined, 'table b rolled back')
})

test('the key repository stores hashes and prefixes, never tokens', async (t) => {
  const path = join(tempDir(t), 'keys.db')
  const repo = openSqliteKeyRepository(path)
  const created = await repo.create({ name: 'n', prefix: 'abcd1234', hash: 'h'.repeat(64), scopes: ['member'], createdAt: new Date().toISOString(), expiresAt: null })
  assert.equal(created.name, 'n')
  assert.deepEqual((await repo.findByHash('h'.repeat(64)))?.id, created.id)
  assert.equal(await repo.findByHash('x'), undefined)
  assert.equal((await repo.findByPrefix('abcd')).length, 1)
  await repo.revoke(created.id, new Date().toISOString())
  assert.equal((await repo.list({ includeRevoked: false })).length, 0)
  assert.equal((await repo.list({ includeRevoked: true })).length, 1)
  await repo.close()
})
