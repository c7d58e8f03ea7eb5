import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql, type Kysely } from 'kysely'
import { MIGRATIONS_DIR, POSTGRES_MIGRATIONS_DIR, readMigrations } from '../../src/db/migrations.ts'
import { migratePostgres, openPostgresPool, postgresKysely } from '../../src/db/postgres.ts'
import { tempDir } from '../helpers/build.ts'
import { expectCheckedOutTerminationReported, postgresForFile } from '../helpers/postgres.ts'

const postgres = postgresForFile()

async function connect (t: { after: (fn: () => Promise<void>) => void }, url: string): Promise<Kysely<any>> {
  const db = postgresKysely<any>(openPostgresPool(url, 2, () => {}))
  t.after(() => db.destroy())
  return db
}

/** State that exists only with PostgreSQL: the audio of pg-boss callback jobs (the SQLite default keeps jobs in memory). */
const POSTGRES_ONLY = ['003-job-audio.sql']

test('every SQLite migration has its PostgreSQL form under the same name, and no other but the PostgreSQL-only ones', () => {
  const postgresNames = readMigrations(POSTGRES_MIGRATIONS_DIR).map((m) => m.name)
  assert.deepEqual(postgresNames.filter((n) => !POSTGRES_ONLY.includes(n)), readMigrations(MIGRATIONS_DIR).map((m) => m.name))
  for (const n of POSTGRES_ONLY) assert.ok(postgresNames.includes(n), n)
})

test('PostgreSQL migrations apply once, are recorded like SQLite\'s, and a second run applies nothing', async (t) => {
  const db = await connect(t, await postgres().createDatabase())
  const expected = readMigrations(POSTGRES_MIGRATIONS_DIR)
  assert.deepEqual(await migratePostgres(db), expected.map((m) => m.version))
  assert.deepEqual(await migratePostgres(db), [])
  const { rows } = await sql<{ version: number, name: string }>`SELECT version, name FROM schema_migrations ORDER BY version`.execute(db)
  assert.deepEqual(rows, expected.map((m) => ({ version: m.version, name: m.name })))
  const columns = await sql<{ column_name: string }>`SELECT column_name FROM information_schema.columns WHERE table_name = 'api_keys'`.execute(db)
  for (const c of ['name', 'prefix', 'hash', 'scopes', 'created_at', 'last_used_at', 'expires_at', 'revoked_at']) {
    assert.ok(columns.rows.some((r) => r.column_name === c), c)
  }
})

test('two migrators started at once (two replicas starting) apply each file exactly once', async (t) => {
  const dir = join(tempDir(t), 'migrations')
  mkdirSync(dir)
  // A plain CREATE TABLE fails if run twice; the pause keeps the first migrator inside its transaction while the
  // second arrives, so without the lock both would run it.
  writeFileSync(join(dir, '001-slow.sql'), 'CREATE TABLE once (x int); SELECT pg_sleep(0.3); INSERT INTO once VALUES (1);')
  writeFileSync(join(dir, '002-next.sql'), 'CREATE TABLE twice_never (y int);')
  const url = await postgres().createDatabase()
  const [a, b] = [await connect(t, url), await connect(t, url)]
  const [appliedA, appliedB] = await Promise.all([migratePostgres(a, dir), migratePostgres(b, dir)])
  assert.deepEqual([...appliedA, ...appliedB].sort(), [1, 2], `A applied ${appliedA}, B applied ${appliedB}`)
  const { rows } = await sql<{ x: number }>`SELECT x FROM once`.execute(a)
  assert.deepEqual(rows, [{ x: 1 }])
  // And the real migrations, concurrently on a fresh database.
  const fresh = await postgres().createDatabase()
  const [c, d] = [await connect(t, fresh), await connect(t, fresh)]
  const both = await Promise.all([migratePostgres(c), migratePostgres(d)])
  assert.deepEqual(both.flat().sort(), readMigrations(POSTGRES_MIGRATIONS_DIR).map((m) => m.version))
})

test('a failing PostgreSQL migration rolls back whole and leaves earlier ones intact', async (t) => {
  const dir = join(tempDir(t), 'migrations')
  mkdirSync(dir)
  writeFileSync(join(dir, '001-first.sql'), 'CREATE TABLE a (x int); INSERT INTO a VALUES (1);')
  writeFileSync(join(dir, '002-broken.sql'), 'CREATE TABLE b (y int); INSERT INTO nowhere VALUES (2);')
  const db = await connect(t, await postgres().createDatabase())
  await assert.rejects(migratePostgres(db, dir), /relation "nowhere" does not exist/)
  const { rows } = await sql<{ version: number }>`SELECT version FROM schema_migrations`.execute(db)
  assert.deepEqual(rows, [{ version: 1 }])
  assert.equal((await sql<{ t: string | null }>`SELECT to_regclass('b')::text AS t`.execute(db)).rows[0]?.t, null, 'table b rolled back')
})

test('a checked-out connection the server terminates between queries is reported, not thrown, and the pool goes on', async (t) => {
  const url = await postgres().createDatabase()
  const errors: unknown[] = []
  const pool = openPostgresPool(url, 2, (err) => { errors.push(err) })
  t.after(() => pool.end())
  await expectCheckedOutTerminationReported(pool, errors)
})

test('an idle connection the server terminates is reported once, without the client object a log would print', async (t) => {
  const url = await postgres().createDatabase()
  const errors: unknown[] = []
  // Serialised when reported, as a log line is
  const pool = openPostgresPool(url, 2, (err) => { errors.push(JSON.parse(JSON.stringify(err))) })
  t.after(() => pool.end())
  const client = await pool.connect()
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
  const admin = await pool.connect()
  client.release()
  const idleFailed = new Promise((resolve) => pool.once('error', resolve))
  await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid])
  admin.release()
  await idleFailed
  assert.equal(errors.length, 1, 'one report per failure')
  assert.equal((errors[0] as { code?: string }).code, '57P01')
  assert.ok(!('client' in (errors[0] as object)), 'the client object is not serialised')
})
