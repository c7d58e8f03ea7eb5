/**
 * Messages that must reach the client in the order they were scheduled, though the decodes behind them may
 * finish in any order (ENGINE_CONCURRENCY > 1, retries): a final Results waits for every earlier final, an
 * UtteranceEnd for the final it ends, Metadata for everything.
 */
import type { LiveMessage } from './messages.ts'

export class Outbox {
  private tail: Promise<void> = Promise.resolve()
  private waiting = 0

  private readonly deliver: (message: LiveMessage) => void
  private readonly onError: (err: unknown) => void
  constructor (
    deliver: (message: LiveMessage) => void,
    onError: (err: unknown) => void
  ) {
    this.deliver = deliver
    this.onError = onError
  }

  /** Messages scheduled and not yet delivered (or dropped). */
  get pending (): number { return this.waiting }

  /**
   * Delivers `build(await ready)` after everything scheduled before it. `build` runs at delivery time, so it sees
   * the state left by the messages before it; it may return undefined to send nothing.
   */
  add<T>(ready: Promise<T>, build: (value: T) => LiveMessage | undefined): void {
    this.waiting++
    ready.catch(() => {}) // observed below, in order; this only keeps an early rejection from being "unhandled"
    this.tail = this.tail.then(async () => {
      try {
        const message = build(await ready)
        if (message !== undefined) this.deliver(message)
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
