/**
 * Events that must reach the protocol in the order they were scheduled, though the decodes behind them may finish
 * in any order (ENGINE_CONCURRENCY > 1, retries): a final waits for every earlier final, an utterance-end for the
 * final it ends, the session's end for everything.
 */
export class Outbox<T> {
  private tail: Promise<void> = Promise.resolve()
  private waiting = 0

  private readonly deliver: (item: T) => void
  private readonly onError: (err: unknown) => void
  constructor (
    deliver: (item: T) => void,
    onError: (err: unknown) => void
  ) {
    this.deliver = deliver
    this.onError = onError
  }

  /** Items scheduled and not yet delivered (or dropped). */
  get pending (): number { return this.waiting }

  /**
   * Delivers `build(await ready)` after everything scheduled before it. `build` runs at delivery time, so it sees
   * the state left by the items before it; it may return undefined to deliver nothing.
   */
  add<V>(ready: Promise<V>, build: (value: V) => T | undefined): void {
    this.waiting++
    ready.catch(() => {}) // observed below, in order; this only keeps an early rejection from being "unhandled"
    this.tail = this.tail.then(async () => {
      try {
        const item = build(await ready)
        if (item !== undefined) this.deliver(item)
      } catch (err) {
        this.onError(err)
      } finally {
        this.waiting--
      }
    })
  }

  /** Resolves once everything scheduled so far has been delivered or dropped. */
  drained (): Promise<void> {
    return this.tail
  }
}
