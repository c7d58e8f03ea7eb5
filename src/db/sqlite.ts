import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { MIGRATIONS_DIR, SCHEMA_MIGRATIONS_DDL, readMigrations } from './migrations.ts'

export { MIGRATIONS_DIR, readMigrations, type Migration } from './migrations.ts'

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
  db.exec(SCHEMA_MIGRATIONS_DDL)
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
