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

/**
 * The one storage interface for keys. SQLite (embedded) implements it today; a PostgreSQL implementation
 * only needs another Kysely dialect and its own migrations, nothing above this line changes.
 */
export interface KeyRepository {
  create (key: NewApiKey): Promise<ApiKeyRecord>
  findByHash (hash: string): Promise<ApiKeyRecord | undefined>
  /** Keys whose prefix starts with `prefix`, revoked ones included (the caller decides). */
  findByPrefix (prefix: string): Promise<ApiKeyRecord[]>
  list (options: { includeRevoked: boolean }): Promise<ApiKeyRecord[]>
  revoke (id: number, at: string): Promise<void>
  touch (id: number, at: string): Promise<void>
  /**
   * A number that changes whenever another connection or process commits a change (SQLite's data_version).
   * Lets the auth path cache keys yet see a revocation by the CLI on the very next request.
   */
  changeCounter (): Promise<number>
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
  constructor (readonly db: Kysely<DatabaseSchema>) {}

  abstract changeCounter (): Promise<number>

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

  async revoke (id: number, at: string): Promise<void> {
    await this.db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute()
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

class SqliteKeyRepository extends KyselyKeyRepository {
  private readonly dataVersion: Database.Statement<[], number>

  constructor (sqlite: Database.Database) {
    super(new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: sqlite }) }))
    // A raw prepared statement: this runs on every authenticated request, where Kysely's compile step would show.
    this.dataVersion = sqlite.prepare<[], number>('PRAGMA data_version').pluck()
  }

  async changeCounter (): Promise<number> {
    return this.dataVersion.get() as number
  }
}

/** The embedded default: a SQLite file (WAL), migrated on open. */
export function openSqliteKeyRepository (path: string): KyselyKeyRepository {
  return new SqliteKeyRepository(openSqlite(path))
}
