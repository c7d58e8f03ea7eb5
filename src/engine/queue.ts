/**
 * Bounded priority queue in front of the decoders: `concurrency` jobs run at once, at most `maxWaiting` wait.
 *
 * Admission policy:
 * - 'high' (streaming finals) runs before 'normal' (pre-recorded) runs before 'low' (streaming interims); FIFO
 *   within a priority.
 * - When the waiting room is full, a 'high'/'normal' job pushes out the oldest waiting 'low' job (which rejects
 *   with SERVER_BUSY); if there is none it is itself refused with SERVER_BUSY and a Retry-After estimate.
 *   A 'low' job is simply refused: interims are the first thing to drop under load.
 * - A job whose AbortSignal fires while it waits is removed and rejects with an AbortError. Once it runs, the
 *   queue leaves it alone: stopping it is the job's own business (the engine hands the same signal to the native
 *   run, which stops whisper within tens of milliseconds and rejects with AbortError), and its slot is free when
 *   its promise settles.
 */
import { serverBusy } from '../errors.ts'

export type Priority = 'high' | 'normal' | 'low'

/** A transcription given up through its AbortSignal: dropped from the queue, or stopped inside whisper. */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR'
  constructor (reason?: unknown) {
    super('the transcription was aborted', reason === undefined ? undefined : { cause: reason })
    this.name = 'AbortError'
  }
}

interface Job {
  run: () => Promise<unknown>
  resolve: (v: unknown) => void
  reject: (err: unknown) => void
  priority: Priority
  signal?: AbortSignal
  onAbort?: () => void
}

export interface QueueStats {
  running: number
  waiting: number
  concurrency: number
  maxWaiting: number
}

const ORDER: Priority[] = ['high', 'normal', 'low']

export class JobQueue {
  private readonly waiting: Record<Priority, Job[]> = { high: [], normal: [], low: [] }
  private running = 0
  private closedWith: Error | undefined
  private idleWaiters: Array<() => void> = []
  /** Moving average of job seconds, only for the Retry-After hint. */
  private avgSeconds = 2
  readonly concurrency: number
  readonly maxWaiting: number

  constructor (opts: { concurrency: number, maxWaiting: number }) {
    this.concurrency = Math.max(1, Math.floor(opts.concurrency))
    this.maxWaiting = Math.max(0, Math.floor(opts.maxWaiting))
  }

  stats (): QueueStats {
    return { running: this.running, waiting: this.waitingCount(), concurrency: this.concurrency, maxWaiting: this.maxWaiting }
  }

  /** Seconds a client should wait before retrying, from the current backlog; at least 1. */
  retryAfter (): number {
    const backlog = this.running + this.waitingCount()
    return Math.min(300, Math.max(1, Math.ceil(this.avgSeconds * backlog / this.concurrency)))
  }

  /**
   * The rule run() admits a job by: false when a job of `priority` submitted now would be refused SERVER_BUSY.
   * Lets callers refuse before they spend anything on a job (reading, decoding its audio); the answer holds only
   * for this instant, so run() still decides.
   */
  admits (priority: Priority = 'normal'): boolean {
    if (this.closedWith !== undefined) return true // run() rejects with the close reason, not SERVER_BUSY
    if (this.startsNow() || this.waitingCount() < this.maxWaiting) return true
    return priority !== 'low' && this.waiting.low.length > 0
  }

  async run<T>(fn: () => Promise<T>, opts: { priority?: Priority, signal?: AbortSignal } = {}): Promise<T> {
    if (this.closedWith) throw this.closedWith
    const priority = opts.priority ?? 'normal'
    const signal = opts.signal
    if (signal?.aborted === true) throw new AbortError(signal.reason)

    return await new Promise<T>((resolve, reject) => {
      const job: Job = { run: fn, resolve: resolve as (v: unknown) => void, reject, priority, signal }
      if (this.startsNow()) {
        this.start(job)
        return
      }
      if (!this.admits(priority)) {
        reject(serverBusy(this.retryAfter()))
        return
      }
      if (this.waitingCount() >= this.maxWaiting) {
        // admitted over a full waiting room: a waiting 'low' job makes way
        const victim = this.waiting.low.shift() as Job
        this.detach(victim)
        victim.reject(serverBusy(this.retryAfter()))
      }
      if (signal) {
        job.onAbort = () => {
          const list = this.waiting[job.priority]
          const i = list.indexOf(job)
          if (i >= 0) list.splice(i, 1)
          job.onAbort = undefined
          reject(new AbortError(signal.reason))
        }
        signal.addEventListener('abort', job.onAbort, { once: true })
      }
      this.waiting[priority].push(job)
    })
  }

  /** Refuses new jobs and rejects every waiting one with `reason`; running jobs finish. */
  close (reason: Error): void {
    this.closedWith = reason
    for (const p of ORDER) {
      for (const job of this.waiting[p].splice(0)) {
        this.detach(job)
        job.reject(reason)
      }
    }
    this.checkIdle()
  }

  /** Resolves when nothing runs or waits. */
  async onIdle (): Promise<void> {
    if (this.running === 0 && this.waitingCount() === 0) return
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve))
  }

  private startsNow (): boolean {
    return this.running < this.concurrency && this.waitingCount() === 0
  }

  private waitingCount (): number {
    return this.waiting.high.length + this.waiting.normal.length + this.waiting.low.length
  }

  private detach (job: Job): void {
    if (job.onAbort && job.signal) job.signal.removeEventListener('abort', job.onAbort)
    job.onAbort = undefined
  }

  private start (job: Job): void {
    this.detach(job)
    this.running++
    const started = performance.now()
    let p: Promise<unknown>
    try {
      p = job.run()
    } catch (err) {
      p = Promise.reject(err)
    }
    p.then(job.resolve, job.reject).finally(() => {
      this.running--
      this.avgSeconds = 0.8 * this.avgSeconds + 0.2 * ((performance.now() - started) / 1000)
      this.next()
    })
  }

  private next (): void {
    while (this.running < this.concurrency) {
      const p = ORDER.find((q) => this.waiting[q].length > 0)
      if (!p) break
      this.start(this.waiting[p].shift() as Job)
    }
    this.checkIdle()
  }

  private checkIdle (): void {
    if (this.running === 0 && this.waitingCount() === 0) {
      for (const w of this.idleWaiters.splice(0)) w()
    }
  }
}
