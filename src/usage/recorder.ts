import type { UsageDelta, UsageRepository, UsageTotals } from '../db/usage-repository.ts'
import { hourIndex, hourStart } from './period.ts'

/** What one authenticated request (or live session) adds to its key's usage. */
export interface UsageOutcome {
  failed: boolean
  /** Seconds of audio transcribed for it (0 for requests that transcribe nothing). */
  audioSeconds: number
}

interface Tally {
  keyId: number
  hour: number
  requests: number
  failedRequests: number
  audioSeconds: number
  lastUsedMs: number
  /** Writes of this tally that failed so far */
  failedWrites: number
}

const MAX_FAILED_WRITES = 5
/** How long a key's stored figures are reused by figures(), and for how many keys at most. */
const STORED_TTL_MS = 1000
const STORED_MAX = 10_000

export interface RecorderOptions {
  /** Milliseconds between writes; 0 writes every request at once (one upsert each). */
  flushMs: number
  onError: (err: unknown) => void
  now?: () => number
}

/**
 * Counts usage in memory per key and hour and adds it to the store every `flushMs` and on close, so a request
 * costs a Map update instead of a write (see bench/README.md for the measurement). A failed write keeps its figures
 * for the next one. What kill -9 can lose is bounded by one interval.
 */
export class UsageRecorder {
  private pending = new Map<string, Tally>()
  /** Batches taken from `pending` and not written yet: figures() still counts them. */
  private readonly unlanded = new Set<Map<string, Tally>>()
  /** Moves each time a write lands, so figures() can tell when its read raced one. */
  private landed = 0
  private writing: Promise<void> = Promise.resolve()
  private readonly timer: NodeJS.Timeout | undefined
  private readonly now: () => number
  private readonly stored = new Map<number, { totals: UsageTotals, landed: number, at: number }>()

  private readonly store: Pick<UsageRepository, 'add' | 'totalsFor'>
  private readonly options: RecorderOptions
  constructor (store: Pick<UsageRepository, 'add' | 'totalsFor'>, options: RecorderOptions) {
    this.store = store
    this.options = options
    this.now = options.now ?? Date.now
    // unref: a pending interval must not keep the CLI or a test process alive; close() does the last write.
    if (options.flushMs > 0) this.timer = setInterval(() => { void this.flush() }, options.flushMs).unref()
  }

  record (keyId: number, outcome: UsageOutcome): void {
    const now = this.now()
    const hour = hourIndex(now)
    const id = `${keyId}:${hour}`
    let tally = this.pending.get(id)
    if (tally === undefined) {
      tally = { keyId, hour, requests: 0, failedRequests: 0, audioSeconds: 0, lastUsedMs: now, failedWrites: 0 }
      this.pending.set(id, tally)
    }
    tally.requests++
    if (outcome.failed) tally.failedRequests++
    tally.audioSeconds += outcome.audioSeconds
    if (now > tally.lastUsedMs) tally.lastUsedMs = now
    if (this.options.flushMs === 0) {
      // Write-through mode: exactly one upsert per request (what the aggregation is measured against).
      this.pending.delete(id)
      void this.write(new Map([[id, tally]]))
    }
  }

  /** Writes what is pending; resolves when it has landed (or failed and been kept for the next write). */
  flush (): Promise<void> {
    if (this.pending.size === 0) return this.writing
    const batch = this.pending
    this.pending = new Map()
    return this.write(batch)
  }

  /** Writes run one after another; a batch counts in figures() from the moment it leaves `pending` until it lands. */
  private write (batch: Map<string, Tally>): Promise<void> {
    this.unlanded.add(batch)
    this.writing = this.writing.then(async () => {
      try {
        await this.store.add([...batch.values()].map(toDelta))
        this.landed++
      } catch (err) {
        this.options.onError(err)
        // One row the store refuses (its key deleted by hand) must not take the others with it: try them one by one.
        for (const [id, tally] of batch) {
          try {
            if (batch.size > 1) {
              await this.store.add([toDelta(tally)])
              this.landed++
              continue
            }
          } catch {}
          if (++tally.failedWrites < MAX_FAILED_WRITES) merge(this.pending, id, tally)
          else this.options.onError(new Error(`usage of key ${tally.keyId} dropped after ${MAX_FAILED_WRITES} failed writes: ${tally.requests} requests`))
        }
      } finally {
        this.unlanded.delete(batch)
      }
    })
    return this.writing
  }

  /**
   * The key's all-time figures: what the store has plus what this process has not written yet. The stored part is
   * cached per key until this process writes again or STORED_TTL_MS pass (what other processes wrote meanwhile
   * shows that much later): GET /v1/auth/key stays a cache hit, not a query, under load.
   */
  async figures (keyId: number): Promise<UsageTotals> {
    const now = performance.now()
    let cached = this.stored.get(keyId)
    if (cached === undefined || cached.landed !== this.landed || now - cached.at >= STORED_TTL_MS) {
      for (let attempt = 0; ; attempt++) {
        const before = this.landed
        const totals = await this.store.totalsFor(keyId)
        // A write that landed during the read may or may not be in it: read again rather than count it twice.
        if (this.landed !== before && attempt < 3) continue
        cached = { totals, landed: before, at: now }
        break
      }
      if (this.stored.size >= STORED_MAX) this.stored.clear()
      this.stored.set(keyId, cached)
    }
    return [this.pending, ...this.unlanded].flatMap((batch) => [...batch.values()])
      .filter((t) => t.keyId === keyId)
      .reduce<UsageTotals>((sum, t) => ({
        requests: sum.requests + t.requests,
        failedRequests: sum.failedRequests + t.failedRequests,
        audioSeconds: sum.audioSeconds + t.audioSeconds,
        lastUsedAt: later(sum.lastUsedAt, new Date(t.lastUsedMs).toISOString())
      }), cached.totals)
  }

  /** Stops the interval and writes the rest: the app's onClose, before the database closes. */
  async close (): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    await this.flush()
  }
}

const later = (a: string | null, b: string): string => (a === null || b > a ? b : a)

const toDelta = (t: Tally): UsageDelta => ({
  keyId: t.keyId,
  hour: hourStart(t.hour),
  requests: t.requests,
  failedRequests: t.failedRequests,
  audioSeconds: t.audioSeconds,
  lastUsedAt: new Date(t.lastUsedMs).toISOString()
})

function merge (into: Map<string, Tally>, id: string, tally: Tally): void {
  const existing = into.get(id)
  if (existing === undefined) {
    into.set(id, tally)
    return
  }
  existing.requests += tally.requests
  existing.failedRequests += tally.failedRequests
  existing.audioSeconds += tally.audioSeconds
  existing.lastUsedMs = Math.max(existing.lastUsedMs, tally.lastUsedMs)
  existing.failedWrites = Math.max(existing.failedWrites, tally.failedWrites)
}
