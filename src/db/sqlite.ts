import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url))

const MIGRATION_FILE = /^(\d{3})-[a-z0-9-]+\.sql$/

export interface Migration {
  version: number
  name: string
  sql: string
}

export function readMigrations (dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => MIGRATION_FILE.test(f))
    .sort()
    .map((name) => ({ version: Number(name.slice(0, 3)), name, sql: readFileSync(join(dir, name), 'utf8') }))
}

/**
 * Opens (creating if needed) the SQLite file in WAL mode so the server and the key CLI can use it at once,
 * and brings its schema up to date.
 */
export function openSqlite (path: string, migrationsDir = MIGRATIONS_DIR): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  try {
    db.pragma('journal_mode = WAL')
    // The CLI and the server write to one file; wait for the other's lock instead of failing with SQLITE_BUSY.
    db.pragma('busy_timeout = 5000')
    db.pragma('foreign_keys = ON')
    migrate(db, migrationsDir)
    return db
  } catch (err) {
    db.close()
    throw err
  }
}

/** Applies pending migrations in order, each in its own transaction; safe to run twice or from two processes. */
export function migrate (db: Database.Database, migrationsDir = MIGRATIONS_DIR): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`)
  const isApplied = db.prepare<[number], { version: number }>('SELECT version FROM schema_migrations WHERE version = ?')
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
  const applied: number[] = []
  for (const migration of readMigrations(migrationsDir)) {
    // IMMEDIATE takes the write lock before the check, so two processes starting together cannot both apply it.
    db.transaction(() => {
      if (isApplied.get(migration.version) !== undefined) return
      db.exec(migration.sql)
      record.run(migration.version, migration.name, new Date().toISOString())
      applied.push(migration.version)
    }).immediate()
  }
  return applied
}
