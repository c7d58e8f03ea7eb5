import { Kysely, SqliteDialect, type Selectable } from 'kysely'
import type Database from 'better-sqlite3'
import type { ApiKeysTable, DatabaseSchema } from './schema.ts'
import { openSqlite } from './sqlite.ts'

export interface ApiKeyRecord {
  id: number
  name: string
  prefix: string
  scopes: string[]
  createdAt: string
  lastUsedAt: string | null
  expiresAt: string | null
  revokedAt: string | null
}

export interface NewApiKey {
  name: string
  prefix: string
  hash: string
  scopes: string[]
  createdAt: string
  expiresAt: string | null
}

/** What a revocation reached: replicas that had to confirm it (PostgreSQL), and how many did not in time. */
export interface RevokePropagation {
  replicas: number
  unconfirmed: number
}

/**
 * The one storage interface for keys: SQLite (embedded, this file) and PostgreSQL (postgres-keys-repository.ts),
 * both over Kysely with the same queries; only the change signal and the revocation's reach differ.
 */
export interface KeyRepository {
  create (key: NewApiKey): Promise<ApiKeyRecord>
  findByHash (hash: string): Promise<ApiKeyRecord | undefined>
  /** Keys whose prefix starts with `prefix`, revoked ones included (the caller decides). */
  findByPrefix (prefix: string): Promise<ApiKeyRecord[]>
  list (options: { includeRevoked: boolean }): Promise<ApiKeyRecord[]>
  /** Resolves once every process that may have the key cached will refuse it (see PostgresKeyRepository). */
  revoke (id: number, at: string): Promise<RevokePropagation>
  touch (id: number, at: string): Promise<void>
  /**
   * A number that changes whenever another connection or process commits a change to keys (SQLite's
   * data_version; PostgreSQL's key listener), or null when changes cannot be seen right now: nothing may be cached.
   * Lets the auth path cache keys yet see a revocation by the CLI or another replica on the very next request.
   */
  changeCounter (): Promise<number | null>
  /** Cheap round trip for the health check. */
  ping (): Promise<void>
  close (): Promise<void>
}

const toRecord = (row: Selectable<ApiKeysTable>): ApiKeyRecord => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  scopes: JSON.parse(row.scopes) as string[],
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at
})

export abstract class KyselyKeyRepository implements KeyRepository {
  /** Public so the usage repository (src/db/usage-repository.ts) shares this connection and its lifetime. */
  readonly db: Kysely<DatabaseSchema>
  constructor (db: Kysely<DatabaseSchema>) {
    this.db = db
  }

  abstract changeCounter (): Promise<number | null>

  async create (key: NewApiKey): Promise<ApiKeyRecord> {
    const row = await this.db
      .insertInto('api_keys')
      .values({
        name: key.name,
        prefix: key.prefix,
        hash: key.hash,
        scopes: JSON.stringify(key.scopes),
        created_at: key.createdAt,
        expires_at: key.expiresAt
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    return toRecord(row)
  }

  async findByHash (hash: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('hash', '=', hash).executeTakeFirst()
    return row === undefined ? undefined : toRecord(row)
  }

  async findByPrefix (prefix: string): Promise<ApiKeyRecord[]> {
    // Prefixes are hex, so LIKE needs no escaping; the length check keeps a typo from matching everything.
    const rows = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('prefix', 'like', `${prefix.slice(0, 8)}%`)
      .orderBy('id')
      .execute()
    return rows.map(toRecord)
  }

  async list ({ includeRevoked }: { includeRevoked: boolean }): Promise<ApiKeyRecord[]> {
    let query = this.db.selectFrom('api_keys').selectAll().orderBy('id')
    if (!includeRevoked) query = query.where('revoked_at', 'is', null)
    return (await query.execute()).map(toRecord)
  }

  async revoke (id: number, at: string): Promise<RevokePropagation> {
    await this.db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute()
    return { replicas: 0, unconfirmed: 0 }
  }

  async touch (id: number, at: string): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute()
  }

  async ping (): Promise<void> {
    await this.db.selectFrom('api_keys').select('id').limit(1).execute()
  }

  async close (): Promise<void> {
    await this.db.destroy()
  }
}

/**
 * How stale SQLite's counter may be: data_version is read at most once per millisecond. A revocation committed by
 * the CLI is seen by any request that starts 1 ms later, far less than the CLI takes to exit; only a request
 * racing the commit itself can pass, as it could if it had arrived a moment earlier.
 */
const CHANGE_CHECK_INTERVAL_MS = 1

export class SqliteKeyRepository extends KyselyKeyRepository {
  private readonly dataVersion: Database.Statement<[], number>
  private counter = 0
  private checkedAt = Number.NEGATIVE_INFINITY

  constructor (sqlite: Database.Database, db = sqliteKysely(sqlite)) {
    super(db)
    // A raw prepared statement: this runs on every authenticated request, where Kysely's compile step would show.
    this.dataVersion = sqlite.prepare<[], number>('PRAGMA data_version').pluck()
  }

  async changeCounter (): Promise<number> {
    const now = performance.now()
    if (now - this.checkedAt >= CHANGE_CHECK_INTERVAL_MS) {
      this.checkedAt = now
      this.counter = this.dataVersion.get() as number
    }
    return this.counter
  }
}

export const sqliteKysely = (sqlite: Database.Database): Kysely<DatabaseSchema> =>
  new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: sqlite }) })

/** The embedded default on its own: a SQLite file (WAL), migrated on open. openDatabase() is the usual way in. */
export function openSqliteKeyRepository (path: string): SqliteKeyRepository {
  return new SqliteKeyRepository(openSqlite(path))
}
