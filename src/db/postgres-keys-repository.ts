import { sql, type Kysely } from 'kysely'
import pg from 'pg'
import type { DatabaseSchema } from './schema.ts'
import { KyselyKeyRepository, type ApiKeyRecord, type RevokePropagation } from './keys-repository.ts'
import { KEY_CHANGES_SEEN_CHANNEL, LISTENER_APPLICATION_NAME, type KeyChangeListener } from './key-changes.ts'
import { clientConfig, guarded } from './postgres.ts'

/** How long a revoker waits for every replica to confirm before saying which did not. */
const CONFIRM_TIMEOUT_MS = 5000

/**
 * Keys in PostgreSQL. The change counter is the key listener's generation (in memory: a cached key costs no round
 * trip); without a listener (the CLI) or while it is reconnecting there is no counter and nothing is cached.
 */
export class PostgresKeyRepository extends KyselyKeyRepository {
  private readonly url: string
  private readonly listener: KeyChangeListener | undefined
  constructor (db: Kysely<DatabaseSchema>, url: string, listener: KeyChangeListener | undefined) {
    super(db)
    this.url = url
    this.listener = listener
  }

  async changeCounter (): Promise<number | null> {
    return this.listener?.generation() ?? null
  }

  override findByHash (hash: string): Promise<ApiKeyRecord | undefined> {
    return guarded(super.findByHash(hash))
  }

  override touch (id: number, at: string): Promise<void> {
    return guarded(super.touch(id, at))
  }

  override ping (): Promise<void> {
    return guarded(sql`SELECT 1`.execute(this.db).then(() => {}))
  }

  /**
   * Revokes, then waits until every replica listening at commit time has confirmed the change, so a request sent
   * after this returns is refused by all of them. NOTIFY alone does not give that: PostgreSQL signals the
   * listening sessions at commit, but each forwards the message to its replica on its own schedule, which can be
   * after the revoker has its COMMIT reply. The confirmation is sent by a replica's listener only after its cache
   * is void; a replica whose listener is down serves nothing from its cache, so it needs no confirmation.
   */
  override async revoke (id: number, at: string): Promise<RevokePropagation> {
    const watcher = new pg.Client(clientConfig(this.url, 'earshot-revoke'))
    const seen = new Map<string, Set<number>>()
    let wake: () => void = () => {}
    watcher.on('notification', (message) => {
      const payload = message.payload ?? ''
      seen.set(payload, (seen.get(payload) ?? new Set()).add(message.processId))
      wake()
    })
    watcher.on('error', () => {})
    await watcher.connect()
    try {
      await watcher.query(`LISTEN ${KEY_CHANGES_SEEN_CHANNEL}`)
      const { xid, listeners } = await this.db.transaction().execute(async (trx) => {
        await trx.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute()
        const { rows } = await sql<{ xid: string, listeners: number[] }>`
          SELECT pg_current_xact_id()::text AS xid,
                 coalesce(array_agg(pid), '{}') AS listeners
          FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = ${LISTENER_APPLICATION_NAME}`.execute(trx)
        return rows[0] as { xid: string, listeners: number[] }
      })
      const pending = (): number[] => listeners.filter((pid) => seen.get(xid)?.has(pid) !== true)
      const deadline = Date.now() + CONFIRM_TIMEOUT_MS
      while (pending().length > 0 && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, deadline - Date.now())
          wake = () => { clearTimeout(timer); resolve() }
        })
      }
      let unconfirmed = pending()
      if (unconfirmed.length > 0) {
        // A listener that went away meanwhile is reconnecting, and serves nothing from its cache until it is back.
        const { rows } = await watcher.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE pid = ANY($1)', [unconfirmed])
        const alive = new Set(rows.map((r) => r.pid))
        unconfirmed = unconfirmed.filter((pid) => alive.has(pid))
      }
      return { replicas: listeners.length, unconfirmed: unconfirmed.length }
    } finally {
      await watcher.end().catch(() => {})
    }
  }
}
