import { sql, type Kysely } from 'kysely'
import type { DatabaseSchema } from './schema.ts'

/** What one key did in one UTC hour, to be added to what the store already has for that hour. */
export interface UsageDelta {
  keyId: number
  /** Start of the UTC hour, ISO-8601 */
  hour: string
  requests: number
  failedRequests: number
  audioSeconds: number
  /** ISO-8601; the stored value only moves forward */
  lastUsedAt: string
}

export interface UsageTotals {
  requests: number
  failedRequests: number
  audioSeconds: number
  lastUsedAt: string | null
}

export interface KeyUsage extends UsageTotals {
  keyId: number
  name: string
  prefix: string
  revokedAt: string | null
}

export const NO_USAGE: UsageTotals = { requests: 0, failedRequests: 0, audioSeconds: 0, lastUsedAt: null }

/** Rows per INSERT: far below SQLite's bound-parameter cap (32766) and PostgreSQL's (65535) at 6 per row. */
const CHUNK = 500

/**
 * Usage per key per hour (table key_usage). Written only through Kysely's portable builder — an upsert with
 * onConflict, sums, a CASE instead of SQLite's max(a, b) / PostgreSQL's GREATEST — so one class serves the SQLite
 * default and PostgreSQL alike. pg returns SUM over integers as a bigint string, hence the Number()s.
 */
export class UsageRepository {
  private readonly db: Kysely<DatabaseSchema>
  constructor (db: Kysely<DatabaseSchema>) {
    this.db = db
  }

  /** Adds every delta; a flush lands whole or not at all (one statement, or one transaction over several). */
  async add (deltas: UsageDelta[]): Promise<void> {
    if (deltas.length === 0) return
    if (deltas.length <= CHUNK) return await upsert(this.db, deltas)
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < deltas.length; i += CHUNK) await upsert(trx, deltas.slice(i, i + CHUNK))
    })
  }

  /** One key's totals over the hours starting at or after `sinceHour` (all time without it). */
  async totalsFor (keyId: number, sinceHour?: string): Promise<UsageTotals> {
    let query = this.db.selectFrom('key_usage')
      .select((eb) => [
        eb.fn.sum<number | string | null>('requests').as('requests'),
        eb.fn.sum<number | string | null>('failed_requests').as('failed_requests'),
        eb.fn.sum<number | string | null>('audio_seconds').as('audio_seconds'),
        eb.fn.max('last_used_at').as('last_used_at')
      ])
      .where('key_id', '=', keyId)
    if (sinceHour !== undefined) query = query.where('hour', '>=', sinceHour)
    const row = await query.executeTakeFirst()
    return row === undefined ? { ...NO_USAGE } : totals(row)
  }

  /**
   * Per key: keys whose prefix starts with `prefix` (every key without it); live keys always, revoked ones only
   * when they were used in the period. Keys with no use in the period show zeros.
   */
  async perKey (options: { prefix?: string | undefined, sinceHour?: string | undefined } = {}): Promise<KeyUsage[]> {
    const { prefix, sinceHour } = options
    let query = this.db.selectFrom('api_keys')
      .leftJoin('key_usage', (join) => {
        const on = join.onRef('key_usage.key_id', '=', 'api_keys.id')
        return sinceHour === undefined ? on : on.on('key_usage.hour', '>=', sinceHour)
      })
      .select((eb) => [
        'api_keys.id', 'api_keys.name', 'api_keys.prefix', 'api_keys.revoked_at',
        eb.fn.sum<number | string | null>('key_usage.requests').as('requests'),
        eb.fn.sum<number | string | null>('key_usage.failed_requests').as('failed_requests'),
        eb.fn.sum<number | string | null>('key_usage.audio_seconds').as('audio_seconds'),
        eb.fn.max('key_usage.last_used_at').as('last_used_at')
      ])
      .groupBy(['api_keys.id', 'api_keys.name', 'api_keys.prefix', 'api_keys.revoked_at'])
      .having((eb) => eb.or([eb('api_keys.revoked_at', 'is', null), eb(eb.fn.count('key_usage.key_id'), '>', sql.lit(0))]))
      .orderBy('api_keys.id')
    // Prefixes are hex: LIKE needs no escaping. Lower-cased as tokens are.
    if (prefix !== undefined && prefix !== '') query = query.where('api_keys.prefix', 'like', `${prefix.toLowerCase().slice(0, 8)}%`)
    const rows = await query.execute()
    return rows.map((row) => ({ keyId: Number(row.id), name: row.name, prefix: row.prefix, revokedAt: row.revoked_at, ...totals(row) }))
  }
}

async function upsert (db: Kysely<DatabaseSchema>, deltas: UsageDelta[]): Promise<void> {
  await db.insertInto('key_usage')
    .values(deltas.map((d) => ({
      key_id: d.keyId,
      hour: d.hour,
      requests: d.requests,
      failed_requests: d.failedRequests,
      audio_seconds: d.audioSeconds,
      last_used_at: d.lastUsedAt
    })))
    .onConflict((oc) => oc.columns(['key_id', 'hour']).doUpdateSet((eb) => ({
      requests: eb('key_usage.requests', '+', eb.ref('excluded.requests')),
      failed_requests: eb('key_usage.failed_requests', '+', eb.ref('excluded.failed_requests')),
      audio_seconds: eb('key_usage.audio_seconds', '+', eb.ref('excluded.audio_seconds')),
      // Two replicas may flush out of order: keep the later time.
      last_used_at: eb.case()
        .when('excluded.last_used_at', '>', eb.ref('key_usage.last_used_at')).then(eb.ref('excluded.last_used_at'))
        .else(eb.ref('key_usage.last_used_at'))
        .end()
    })))
    .execute()
}

function totals (row: { requests: number | string | null, failed_requests: number | string | null, audio_seconds: number | string | null, last_used_at: string | null }): UsageTotals {
  return {
    requests: Number(row.requests ?? 0),
    failedRequests: Number(row.failed_requests ?? 0),
    audioSeconds: Number(row.audio_seconds ?? 0),
    lastUsedAt: row.last_used_at ?? null
  }
}
