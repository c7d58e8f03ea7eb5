import assert from 'node:assert/strict'
import { test } from 'node:test'
import pg from 'pg'
import { postgresForFile } from './postgres.ts'

const postgres = postgresForFile()

test('the embedded PostgreSQL answers, and each test database is its own', async (t) => {
  const cluster = postgres()
  const [a, b] = [await cluster.createDatabase(), await cluster.createDatabase()]
  assert.notEqual(a, b)
  const clientA = new pg.Client({ connectionString: a })
  const clientB = new pg.Client({ connectionString: b })
  await clientA.connect()
  await clientB.connect()
  t.after(async () => { await clientA.end(); await clientB.end() })
  const version = await clientA.query<{ server_version_num: string }>('SHOW server_version_num')
  assert.ok(Number(version.rows[0]?.server_version_num) >= 150000)
  await clientA.query('CREATE TABLE only_in_a (x int)')
  const inB = await clientB.query("SELECT to_regclass('only_in_a') AS t")
  assert.equal(inB.rows[0]?.t, null)
})
