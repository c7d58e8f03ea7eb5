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

/** One row per key per UTC hour it was used in (migrations/002-usage.sql). */
export interface KeyUsageTable {
  key_id: number
  /** Start of the UTC hour, ISO-8601 ('2026-12-02T00:00:00.000Z') */
  hour: string
  requests: number
  failed_requests: number
  audio_seconds: number
  last_used_at: string
}

export interface DatabaseSchema {
  api_keys: ApiKeysTable
  key_usage: KeyUsageTable
}
