import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { databaseUnavailable } from '../errors.ts'
import { POSTGRES_MIGRATIONS_DIR, SCHEMA_MIGRATIONS_DDL, readMigrations } from './migrations.ts'

const { types } = pg

/**
 * Values read back as SQLite gives them, so one repository serves both dialects: timestamptz as ISO-8601 UTC
 * strings (pg's own parser, then toISOString: the text form depends on the session's TimeZone), jsonb as JSON
 * text, bigint (counts, sums) as numbers. Per pool, not pg's global registry, so other pg users are unaffected.
 */
const parsers: Record<number, (text: string) => unknown> = {
  [types.builtins.TIMESTAMPTZ]: (text) => (types.getTypeParser(types.builtins.TIMESTAMPTZ) as (t: string) => Date)(text).toISOString(),
  [types.builtins.JSONB]: (text) => text,
  [types.builtins.INT8]: Number
}

export const pgTypes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    parsers[oid] ?? (format === 'binary' ? types.getTypeParser(oid, 'binary') : types.getTypeParser(oid))
} as unknown as pg.CustomTypesConfig

/** What a connection to PostgreSQL is given, for pools and for the single clients (listener, revoker). */
export const clientConfig = (url: string, applicationName: string): pg.ClientConfig => ({
  connectionString: url,
  application_name: applicationName,
  types: pgTypes,
  // A request waiting on an unreachable server gets a 503 in seconds instead of hanging.
  connectionTimeoutMillis: 5000,
  keepAlive: true,
  keepAliveInitialDelayMillis: 10_000
})

export function openPostgresPool (url: string, max: number, onError: (err: unknown) => void): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(url, 'earshot'), max, idleTimeoutMillis: 30_000 })
  guardCheckedOutClients(pool, onError)
  return pool
}

/**
 * pg-pool listens for errors only on idle clients. A checked-out client between queries has no listener: when
 * the server shuts down just as a query completes, its termination notice (57P01) can arrive in the same read as
 * the reply, before the client goes back to the pool, and would be thrown as an uncaught exception. Each client
 * gets its own listener for its whole life, which reports every error once, idle or checked out; the pool still
 * drops the broken client when it is released.
 */
export function guardCheckedOutClients (pool: pg.Pool, onError: (err: unknown) => void): void {
  pool.on('connect', (client) => {
    client.on('error', (err: Error & { client?: unknown }) => {
      // pg-pool's idle listener hangs the whole client object on the error (a log would print it): this listener
      // is registered first, so reports before that happens; hidden here in case the order ever changes.
      if ('client' in err) Object.defineProperty(err, 'client', { enumerable: false })
      onError(err)
    })
  })
  // An idle client's error is re-emitted on the pool (an EventEmitter 'error' without a listener ends the process);
  // the client's own listener above has already reported it.
  pool.on('error', () => {})
}

/** Any key for pg_advisory_xact_lock, as long as every earshot process uses the same one. */
const MIGRATION_LOCK = 0x6561727368 // "earsh"

/**
 * Applies pending PostgreSQL migrations, the way SQLite's runner does (see SCHEMA_MIGRATIONS_DDL): one transaction
 * per file that first takes an advisory lock, so replicas starting at once wait for each other and apply each
 * file exactly once. PostgreSQL's DDL is transactional: a failing file leaves nothing behind.
 */
export async function migratePostgres (db: Kysely<any>, dir = POSTGRES_MIGRATIONS_DIR): Promise<number[]> {
  const applied: number[] = []
  for (const migration of readMigrations(dir)) {
    await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx)
      // Under the lock: two sessions running CREATE TABLE IF NOT EXISTS at once can both try to create it.
      await sql.raw(SCHEMA_MIGRATIONS_DDL).execute(trx)
      const done = await sql`SELECT 1 FROM schema_migrations WHERE version = ${migration.version}`.execute(trx)
      if (done.rows.length > 0) return
      // No parameters: pg sends it as a simple query, where a file of several statements is allowed.
      await sql.raw(migration.sql).execute(trx)
      await sql`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${migration.version}, ${migration.name}, ${new Date().toISOString()})`.execute(trx)
      applied.push(migration.version)
    })
  }
  return applied
}

export function postgresKysely<T> (pool: pg.Pool): Kysely<T> {
  return new Kysely<T>({ dialect: new PostgresDialect({ pool }) })
}

const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'])

/**
 * True when an error means the server cannot be reached or is going away (not a bad query): connection
 * exceptions (SQLSTATE 08…), shutdown and start-up (57P01-57P03), too many connections (53300), socket errors,
 * and pg's own messages for a dropped connection or a connect timeout.
 */
export function isUnavailable (err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const { code, message } = err as { code?: unknown, message?: unknown }
  if (typeof code === 'string' && (code.startsWith('08') || /^57P0[123]$/.test(code) || code === '53300' || CONNECTION_ERRNOS.has(code))) return true
  return typeof message === 'string' && /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(message)
}

/** Runs a store call; an unreachable server becomes the clean 503, anything else stays as it is. */
export async function guarded<T> (work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (err) {
    throw isUnavailable(err) ? databaseUnavailable(err) : err
  }
}

/** host:port/database of a postgres:// URL, for messages: never its user or password. */
export function describePostgresUrl (url: string): string {
  try {
    const parsed = new URL(url)
    return `PostgreSQL at ${parsed.host}${parsed.pathname}`
  } catch {
    return 'PostgreSQL (DATABASE_URL)'
  }
}
