import type { Generated } from 'kysely'

/** Kysely's view of the tables in migrations/. Timestamps are ISO-8601 UTC strings. */
export interface ApiKeysTable {
  id: Generated<number>
  name: string
  prefix: string
  hash: string
  /** JSON array of scope names */
  scopes: string
  created_at: string
  last_used_at: string | null
  expires_at: string | null
  revoked_at: string | null
}

export interface DatabaseSchema {
  api_keys: ApiKeysTable
}
