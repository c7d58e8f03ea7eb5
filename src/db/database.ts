import type { Kysely } from 'kysely'
import type pg from 'pg'
import type { Config } from '../config.ts'
import type { DatabaseSchema } from './schema.ts'
import { SqliteKeyRepository, sqliteKysely, type KeyRepository } from './keys-repository.ts'
import { PostgresKeyRepository } from './postgres-keys-repository.ts'
import { KeyChangeListener } from './key-changes.ts'
import { migratePostgres, openPostgresPool, postgresKysely } from './postgres.ts'
import { openSqlite } from './sqlite.ts'

export type Dialect = 'sqlite' | 'postgres'

/**
 * The store, opened and migrated: SQLite at DATABASE_PATH, or PostgreSQL when DATABASE_URL is set. The server
 * plugin, the CLI and the workers all come in here. Other repositories (usage, jobs) build on `kysely` (tables in
 * schema.ts, migrations in migrations/ and migrations/postgres/); `close()` closes everything, theirs included.
 */
export interface Database {
  dialect: Dialect
  kysely: Kysely<DatabaseSchema>
  keys: KeyRepository
  /** PostgreSQL only: the pool under `kysely` (rate limits use it). */
  pool: pg.Pool | undefined
  /** PostgreSQL only: the URL, for libraries that open their own connections (pg-boss). */
  url: string | undefined
  /** PostgreSQL with watchKeyChanges: the connection following key changes ('listening'/'disconnected' events). */
  keyChanges: KeyChangeListener | undefined
  /** Cheap round trip for readiness. */
  ping (): Promise<void>
  close (): Promise<void>
}

export interface OpenDatabaseOptions {
  /**
   * Follow key changes made by other processes so keys can be cached (a server does; a one-shot CLI command need
   * not). PostgreSQL: one more connection, LISTENing. SQLite always sees changes through data_version.
   */
  watchKeyChanges?: boolean
  /** Background connection trouble (a dropped idle connection, the listener reconnecting). */
  onError?: (err: unknown, what: string) => void
}

export async function openDatabase (
  config: Pick<Config, 'DATABASE_PATH' | 'DATABASE_URL' | 'DATABASE_POOL_MAX'>,
  options: OpenDatabaseOptions = {}
): Promise<Database> {
  const onError = options.onError ?? (() => {})
  const url = config.DATABASE_URL
  if (url === undefined) {
    const sqlite = openSqlite(config.DATABASE_PATH)
    const kysely = sqliteKysely(sqlite)
    const keys = new SqliteKeyRepository(sqlite, kysely)
    return { dialect: 'sqlite', kysely, keys, pool: undefined, url: undefined, keyChanges: undefined, ping: () => keys.ping(), close: () => keys.close() }
  }
  const pool = openPostgresPool(url, config.DATABASE_POOL_MAX, (err) => onError(err, 'idle PostgreSQL connection failed'))
  const kysely = postgresKysely<DatabaseSchema>(pool)
  const listener = options.watchKeyChanges === true ? new KeyChangeListener(url, onError) : undefined
  try {
    await migratePostgres(kysely)
    await listener?.start()
  } catch (err) {
    await listener?.close()
    await kysely.destroy()
    throw err
  }
  const keys = new PostgresKeyRepository(kysely, url, listener)
  return {
    dialect: 'postgres',
    kysely,
    keys,
    pool,
    url,
    keyChanges: listener,
    ping: () => keys.ping(),
    async close () {
      await listener?.close()
      await kysely.destroy()
    }
  }
}
