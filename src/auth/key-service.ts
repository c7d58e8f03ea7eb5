import { invalidAuth, keyExpired } from '../errors.ts'
import type { ApiKeyRecord, KeyRepository, RevokePropagation } from '../db/keys-repository.ts'
import { PREFIX_LENGTH, displayPrefix, generateToken, hashToken } from './tokens.ts'

export type KeyStatus = 'active' | 'expired' | 'revoked'

export const keyStatus = (key: ApiKeyRecord, now: Date = new Date()): KeyStatus =>
  key.revokedAt !== null ? 'revoked' : key.expiresAt !== null && Date.parse(key.expiresAt) <= now.getTime() ? 'expired' : 'active'

export type RevokeOutcome =
  | { kind: 'revoked', key: ApiKeyRecord, propagation: RevokePropagation }
  | { kind: 'ambiguous', matches: ApiKeyRecord[] }
  | { kind: 'not-found' }
  | { kind: 'already-revoked', key: ApiKeyRecord }

/** How often last_used_at is written per key: a disk write on every request would cost more than the lookup. */
const TOUCH_INTERVAL_MS = 60_000

/** Bounds the cache so a flood of distinct valid keys cannot grow memory without limit. */
const CACHE_MAX = 10_000

/** Key life cycle shared by the HTTP auth hook and the CLI. */
export class KeyService {
  private readonly lastTouched = new Map<number, number>()
  /** Known keys by token hash, valid while the store's change counter stays the same. Misses are not cached. */
  private readonly cache = new Map<string, ApiKeyRecord>()
  private cacheCounter: number | null = null

  private readonly repo: KeyRepository
  private readonly onBackgroundError: (err: unknown) => void
  constructor (
    repo: KeyRepository,
    onBackgroundError: (err: unknown) => void = () => {}
  ) {
    this.repo = repo
    this.onBackgroundError = onBackgroundError
  }

  async create (input: { name: string, expiresAt: Date | null, scopes?: string[] }): Promise<{ token: string, key: ApiKeyRecord }> {
    const token = generateToken()
    this.cache.clear()
    const key = await this.repo.create({
      name: input.name,
      prefix: displayPrefix(token),
      hash: hashToken(token),
      scopes: input.scopes ?? ['member'],
      createdAt: new Date().toISOString(),
      expiresAt: input.expiresAt?.toISOString() ?? null
    })
    return { token, key }
  }

  /**
   * Resolves a presented token to its key or throws the Deepgram-shaped refusal. Keys are cached while the store's
   * change counter stays put (SQLite: read at most 1 ms apart; PostgreSQL: moved by the key listener), so a
   * revocation by the CLI or another replica holds from the next request; with no counter (PostgreSQL's listener
   * reconnecting) every request is checked in the store. Writes through this service clear the cache themselves.
   */
  async authenticate (token: string, now: Date = new Date()): Promise<ApiKeyRecord> {
    const hash = hashToken(token)
    const counter = await this.currentCounter()
    let key = counter === null ? undefined : this.cache.get(hash)
    if (key === undefined) {
      key = await this.repo.findByHash(hash)
      if (key === undefined) throw invalidAuth()
      // A change seen while the lookup ran may postdate what it read: keep the answer, do not cache it.
      if (counter !== null && (await this.currentCounter()) === counter) {
        if (this.cache.size >= CACHE_MAX) this.cache.clear()
        this.cache.set(hash, key)
      }
    }
    if (key.revokedAt !== null) throw invalidAuth()
    if (keyStatus(key, now) === 'expired') throw keyExpired(key.expiresAt as string)
    this.touch(key, now)
    return key
  }

  /** The store's counter; the cache is emptied whenever it moves or goes away. */
  private async currentCounter (): Promise<number | null> {
    const counter = await this.repo.changeCounter()
    if (counter !== this.cacheCounter) {
      this.cache.clear()
      this.cacheCounter = counter
    }
    return counter
  }

  list (options: { includeRevoked: boolean }): Promise<ApiKeyRecord[]> {
    return this.repo.list(options)
  }

  async revoke (prefixOrToken: string): Promise<RevokeOutcome> {
    const given = prefixOrToken.trim().toLowerCase()
    if (given === '') return { kind: 'not-found' }
    // A whole token names exactly one key even in the unlikely case two keys share a display prefix.
    const exact = given.length > PREFIX_LENGTH ? await this.repo.findByHash(hashToken(given)) : undefined
    const matches = exact !== undefined ? [exact] : await this.repo.findByPrefix(given.slice(0, PREFIX_LENGTH))
    const live = matches.filter((k) => k.revokedAt === null)
    if (live.length > 1) return { kind: 'ambiguous', matches: live }
    const [target] = live
    if (target === undefined) {
      const [revoked] = matches
      return revoked === undefined ? { kind: 'not-found' } : { kind: 'already-revoked', key: revoked }
    }
    const propagation = await this.repo.revoke(target.id, new Date().toISOString())
    this.cache.clear()
    return { kind: 'revoked', key: target, propagation }
  }

  private touch (key: ApiKeyRecord, now: Date): void {
    const last = this.lastTouched.get(key.id)
    if (last !== undefined && now.getTime() - last < TOUCH_INTERVAL_MS) return
    this.lastTouched.set(key.id, now.getTime())
    // Our own write does not move the change counter, so keep the cached record in step by hand.
    key.lastUsedAt = now.toISOString()
    this.repo.touch(key.id, key.lastUsedAt).catch(this.onBackgroundError)
  }
}
