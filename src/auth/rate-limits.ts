import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import type { Database } from '../db/database.ts'

export interface LimitDecision {
  allowed: boolean
  limit: number
  remaining: number
  /** Seconds until the window resets (at least 1 once refused). */
  resetSeconds: number
}

/**
 * A fixed window of `points` per `durationSeconds` per subject. In memory on SQLite (one process); in PostgreSQL's
 * rate_limits table when DATABASE_URL is set, so every replica counts against one budget. A subject already over
 * its budget is then refused from memory until its window ends (no write per refused request), and if PostgreSQL
 * cannot be reached each replica falls back to counting on its own rather than refusing or waving everyone in.
 */
export class RequestLimiter {
  private readonly limiter: RateLimiterAbstract
  readonly limit: number
  constructor (limiter: RateLimiterAbstract, limit: number) {
    this.limiter = limiter
    this.limit = limit
  }

  async consume (subject: string): Promise<LimitDecision> {
    try {
      const res = await this.limiter.consume(subject)
      return { allowed: true, limit: this.limit, remaining: res.remainingPoints, resetSeconds: Math.ceil(res.msBeforeNext / 1000) }
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err
      return { allowed: false, limit: this.limit, remaining: 0, resetSeconds: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) }
    }
  }
}

export function createLimiter (database: Pick<Database, 'pool'>, options: { name: string, points: number, durationSeconds: number }): RequestLimiter {
  const common = { keyPrefix: options.name, points: options.points, duration: options.durationSeconds }
  const memory = new RateLimiterMemory(common)
  if (database.pool === undefined) return new RequestLimiter(memory, options.points)
  return new RequestLimiter(new RateLimiterPostgres({
    ...common,
    storeClient: database.pool,
    storeType: 'pool',
    tableName: 'rate_limits',
    // migrations/postgres/001 made it: replicas starting together would race to create it.
    tableCreated: true,
    inMemoryBlockOnConsumed: options.points + 1,
    insuranceLimiter: memory
  }), options.points)
}
