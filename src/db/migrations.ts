import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** SQLite's migrations (the embedded default). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url))
/** PostgreSQL's, numbered like SQLite's: `NNN-x.sql` here is the PostgreSQL form of `migrations/NNN-x.sql`. */
export const POSTGRES_MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/postgres/', import.meta.url))

const MIGRATION_FILE = /^(\d{3})-[a-z0-9-]+\.sql$/

export interface Migration {
  version: number
  name: string
  sql: string
}

/** The `NNN-description.sql` files of a folder, in order. Both dialects' runners read them through this. */
export function readMigrations (dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => MIGRATION_FILE.test(f))
    .sort()
    .map((name) => ({ version: Number(name.slice(0, 3)), name, sql: readFileSync(join(dir, name), 'utf8') }))
}

/**
 * The ledger both runners keep, in the same shape. Each pending migration runs in its own transaction that first
 * takes the dialect's write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory transaction lock), then checks
 * the ledger, applies the file and records it: two processes starting at once apply each file exactly once.
 */
export const SCHEMA_MIGRATIONS_DDL = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`
