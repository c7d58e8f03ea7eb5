import { EventEmitter } from 'node:events'
import pg from 'pg'
import { clientConfig } from './postgres.ts'

/** Raised by the api_keys trigger (migrations/postgres/001) with the changing transaction's id. */
export const KEY_CHANGES_CHANNEL = 'earshot_api_keys'
/** Each replica answers a change here with the same id once its cache is void: what a revoker waits for. */
export const KEY_CHANGES_SEEN_CHANNEL = 'earshot_api_keys_seen'
/** How a revoker finds the replicas to wait for, in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'earshot-key-listener'

const RETRY_MIN_MS = 100
const RETRY_MAX_MS = 5000

/**
 * A replica's view of key changes made anywhere: one dedicated connection LISTENing for the api_keys trigger.
 * `generation()` moves on every change and on every (re)connection, and is null while not listening, when a change
 * could be missed: the key cache must then not be used at all. Reconnects with capped backoff.
 *
 * Events: 'listening' (connected, cache void), 'change' (a notification, cache void), 'disconnected' (err).
 * Errors go to onError, never to an 'error' event.
 */
export class KeyChangeListener extends EventEmitter {
  private client: pg.Client | undefined
  private listening = false
  private counter = 0
  private closed = false
  private retryMs = RETRY_MIN_MS
  private retryTimer: NodeJS.Timeout | undefined

  private readonly url: string
  private readonly onError: (err: unknown, what: string) => void
  constructor (url: string, onError: (err: unknown, what: string) => void) {
    super()
    this.url = url
    this.onError = onError
  }

  generation (): number | null {
    return this.listening ? this.counter : null
  }

  /** Resolves once listening; a failure to connect here is thrown (start-up fails), later ones are retried. */
  async start (): Promise<void> {
    await this.connect()
  }

  /** The server process id of the listening connection (what its confirmations carry), while listening. */
  get backendPid (): number | undefined {
    return this.listening ? (this.client as unknown as { processID?: number } | undefined)?.processID : undefined
  }

  private async connect (): Promise<void> {
    const client = new pg.Client(clientConfig(this.url, LISTENER_APPLICATION_NAME))
    let lost = false
    const onLost = (err?: unknown): void => {
      if (lost) return
      lost = true
      this.listening = false
      this.counter++
      this.client = undefined
      client.end().catch(() => {})
      if (this.closed) return
      this.emit('disconnected', err)
      this.onError(err ?? new Error('connection ended'), 'key change listener lost its connection; retrying')
      this.scheduleRetry()
    }
    client.on('error', onLost)
    client.on('end', () => onLost())
    client.on('notification', (message) => {
      if (message.channel !== KEY_CHANGES_CHANNEL) return
      this.counter++
      this.emit('change')
      // Only now that the cache is void: tell whoever changed the key that this replica will refuse it.
      client.query('SELECT pg_notify($1, $2)', [KEY_CHANGES_SEEN_CHANNEL, message.payload ?? '']).catch((err: unknown) => {
        this.onError(err, 'could not confirm a key change')
      })
    })
    this.client = client
    try {
      await client.connect()
      await client.query(`LISTEN ${KEY_CHANGES_CHANNEL}`)
    } catch (err) {
      onLost(err)
      throw err
    }
    if (lost || this.closed) return
    // Whatever was cached before this connection may have changed unseen.
    this.counter++
    this.listening = true
    this.retryMs = RETRY_MIN_MS
    this.emit('listening')
  }

  private scheduleRetry (): void {
    if (this.retryTimer !== undefined || this.closed) return
    const delay = this.retryMs
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      // A failed attempt has already scheduled the next one.
      this.connect().catch(() => {})
    }, delay)
  }

  async close (): Promise<void> {
    this.closed = true
    this.listening = false
    clearTimeout(this.retryTimer)
    const client = this.client
    this.client = undefined
    await client?.end().catch(() => {})
  }
}
