/** A wall clock for live sessions that only moves when told (src/live/clock.ts): silence fill and idle without sleeps. */
import type { SessionClock } from '../../src/live/clock.ts'

/** Due timers run in order as the clock passes them. */
export class ManualClock implements SessionClock {
  private time = 0
  private timers: Array<{ at: number, fn: () => void, id: number }> = []
  private ids = 0
  now (): number { return this.time }
  timer (fn: () => void, ms: number): () => void {
    const id = ++this.ids
    this.timers.push({ at: this.time + ms, fn, id })
    return () => { this.timers = this.timers.filter((t) => t.id !== id) }
  }

  advance (ms: number): void {
    const target = this.time + ms
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0]
      if (due === undefined) break
      this.timers = this.timers.filter((t) => t !== due)
      this.time = due.at
      due.fn()
    }
    this.time = target
  }
}
