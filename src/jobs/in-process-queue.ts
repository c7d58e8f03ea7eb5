/**
 * The SQLite default's job queue: in memory, in the process that accepted the request, run by its own engine.
 * Nothing is persisted: jobs waiting or running when the process stops or dies are lost (logged on a graceful stop);
 * deployments that need jobs to survive use DATABASE_URL (pg-boss). Ordering, the concurrency bound and the
 * waiting-room cap come from the engine's own bounded queue.
 */
import { JobQueue } from '../engine/queue.ts'
import type { Logger } from '../engine/types.ts'
import { jobsUnavailable, serverBusy, shuttingDown } from '../errors.ts'
import type { JobCounts, JobHandler, JobQueueBackend } from './queue.ts'
import type { JobSpec } from './spec.ts'

export class InProcessJobQueue implements JobQueueBackend {
  readonly kind = 'in-process' as const
  private readonly queue: JobQueue
  private handler: JobHandler | undefined
  private readonly stop = new AbortController()
  private readonly waiting = new Set<string>()
  private completed = 0
  private failed = 0

  private readonly opts: { concurrency: number, maxWaiting: number, logger: Logger }
  constructor (opts: { concurrency: number, maxWaiting: number, logger: Logger }) {
    this.opts = opts
    this.queue = new JobQueue({ concurrency: opts.concurrency, maxWaiting: opts.maxWaiting })
  }

  async start (): Promise<void> {}

  async work (handler: JobHandler): Promise<void> {
    this.handler = handler
  }

  async submit (spec: JobSpec, audio: Uint8Array): Promise<void> {
    const handler = this.handler
    if (handler === undefined) throw jobsUnavailable()
    if (this.stop.signal.aborted) throw shuttingDown()
    const { running, waiting, concurrency, maxWaiting } = this.queue.stats()
    // JobQueue.run refuses a full waiting room through its promise; the client must hear it now, not the callback
    if (running >= concurrency && waiting >= maxWaiting) throw serverBusy(this.queue.retryAfter())
    this.waiting.add(spec.requestId)
    this.queue.run(async () => {
      this.waiting.delete(spec.requestId)
      await handler(spec, audio, this.stop.signal)
    }).then(() => { this.completed++ }, (err: unknown) => {
      this.waiting.delete(spec.requestId)
      this.failed++
      this.opts.logger.error({ request_id: spec.requestId, err }, 'callback job lost')
    })
  }

  async counts (): Promise<JobCounts> {
    const { running, waiting } = this.queue.stats()
    return { queued: waiting, active: running, completed: this.completed, failed: this.failed }
  }

  /** Nothing else can run this queue's jobs: it keeps starting them until close() drops those still waiting. */
  stopTaking (): void {}

  async close (graceMs: number): Promise<void> {
    if (this.waiting.size > 0) {
      this.opts.logger.warn({ request_ids: [...this.waiting] }, 'shutting down: queued callback jobs are dropped (in-process queue)')
    }
    this.queue.close(shuttingDown())
    let timer: NodeJS.Timeout | undefined
    const grace = new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs) })
    await Promise.race([this.queue.onIdle(), grace])
    clearTimeout(timer)
    // running deliveries stop retrying; a decode in progress finishes with the engine
    this.stop.abort(shuttingDown())
    await this.queue.onIdle()
  }
}
