/**
 * Callback jobs on PostgreSQL through pg-boss (a well-kept queue on PG: SKIP LOCKED fetches, retries with backoff,
 * expiry of jobs whose worker died; it creates and migrates its own `pgboss` schema). The job's id is the request id.
 * The audio goes to the `job_audio` table (migrations/postgres/003-job-audio.sql) so any process can read it;
 * the row is deleted when the job is delivered or has used its last attempt, and rows older than the queue's
 * retention are swept when a consumer starts.
 *
 * A worker killed mid-job leaves the job `active`: after JOBS_EXPIRE pg-boss's supervisor fails it and it is
 * retried (JOBS_RETRY_LIMIT times, JOBS_RETRY_DELAY doubling) by any consumer. A graceful stop waits for the running
 * job, then fails it so another worker retries it.
 *
 * pg-boss runs on a pool of ours (its documented `db` option) rather than the one it would make: its own pool
 * listens for errors only on idle connections (guardCheckedOutClients says why that can end the process).
 */
import PgBoss from 'pg-boss'
import pg from 'pg'
import { guardCheckedOutClients, migratePostgres, postgresKysely } from '../db/postgres.ts'
import type { Logger } from '../engine/types.ts'
import type { JobCounts, JobHandler, JobQueueBackend } from './queue.ts'
import type { JobSpec } from './spec.ts'

export const JOB_QUEUE_NAME = 'listen-callback'
const RETENTION_DAYS = 14
/** How often an idle consumer asks for work (pg-boss polls; a job sent by this process wakes its own consumer). */
const POLL_SECONDS = 1

/** PostgreSQL's SQLSTATE for a transaction it aborted to break a deadlock. */
const DEADLOCK_DETECTED = '40P01'

export interface PgBossQueueOptions {
  connectionString: string
  concurrency: number
  expireSeconds: number
  retryLimit: number
  retryDelaySeconds: number
  superviseSeconds: number
  logger: Logger
}

/**
 * A pool for the queue with pg's own type parsing (what pg-boss expects of job data and dates, unlike the key
 * store's pools): a connection failing, idle or checked out, is reported to `onError`, never thrown.
 */
export function openQueuePool (connectionString: string, max: number, applicationName: string, onError: (err: unknown) => void): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, application_name: applicationName })
  guardCheckedOutClients(pool, onError)
  return pool
}

export class PgBossJobQueue implements JobQueueBackend {
  readonly kind = 'pg-boss' as const
  private readonly boss: PgBoss
  /** pg-boss's connections, and the job audio's. */
  private readonly bossPool: pg.Pool
  private readonly pool: pg.Pool
  private readonly workers: string[] = []
  private readonly stop = new AbortController()
  private started: Promise<void> | undefined

  private readonly opts: PgBossQueueOptions
  constructor (opts: PgBossQueueOptions) {
    this.opts = opts
    const max = Math.max(2, opts.concurrency + 1)
    const failed = (pool: string) => (err: unknown) => { opts.logger.warn({ err, pool }, 'job queue connection failed') }
    this.bossPool = openQueuePool(opts.connectionString, max, 'earshot-jobs', failed('earshot-jobs'))
    this.pool = openQueuePool(opts.connectionString, max, 'earshot-job-audio', failed('earshot-job-audio'))
    this.boss = new PgBoss({
      db: { executeSql: async (text, values) => await this.bossPool.query(text, values) },
      supervise: true,
      maintenanceIntervalSeconds: opts.superviseSeconds,
      monitorStateIntervalSeconds: opts.superviseSeconds,
      schedule: false
    })
    this.boss.on('error', (err) => { opts.logger.error({ err }, 'pg-boss error') })
  }

  /** Connects, creates pg-boss's schema and the queue (both idempotent, safe from several processes at once). */
  start (): Promise<void> {
    this.started ??= (async () => {
      // job_audio comes from migrations/postgres/003: a worker may be the first process to reach a new database
      await migratePostgres(postgresKysely(this.pool))
      await this.boss.start()
      await this.createQueue()
    })()
    return this.started
  }

  /**
   * pg-boss's create_queue run by two processes at once can deadlock (each inserts the queue's row, then attaches
   * its partition to the job table): PostgreSQL aborts one of them (40P01), which tries again and finds the queue
   * made. Seen when two replicas start on a new database.
   */
  private async createQueue (): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (await this.boss.getQueue(JOB_QUEUE_NAME) !== null) return
      try {
        await this.boss.createQueue(JOB_QUEUE_NAME, { name: JOB_QUEUE_NAME, retentionMinutes: RETENTION_DAYS * 24 * 60, ...this.retry() })
        return
      } catch (err) {
        if ((err as { code?: string }).code !== DEADLOCK_DETECTED || attempt >= 5) throw err
      }
    }
  }

  async submit (spec: JobSpec, audio: Uint8Array): Promise<void> {
    await this.start()
    await this.pool.query('INSERT INTO job_audio (request_id, audio) VALUES ($1, $2) ON CONFLICT (request_id) DO NOTHING',
      [spec.requestId, Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength)])
    try {
      await this.boss.send(JOB_QUEUE_NAME, spec, { id: spec.requestId, retentionDays: RETENTION_DAYS, ...this.retry() })
    } catch (err) {
      await this.pool.query('DELETE FROM job_audio WHERE request_id = $1', [spec.requestId]).catch(() => {})
      throw err
    }
    // a consumer in this process starts at once instead of at its next poll
    for (const id of this.workers) this.boss.notifyWorker(id)
  }

  async work (handler: JobHandler): Promise<void> {
    await this.start()
    await this.pool.query(`DELETE FROM job_audio WHERE created_at < now() - interval '${RETENTION_DAYS} days'`)
    for (let i = 0; i < this.opts.concurrency; i++) {
      const slot = i
      this.workers.push(await this.boss.work<JobSpec>(JOB_QUEUE_NAME,
        { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: POLL_SECONDS },
        async ([job]) => {
          if (job === undefined) return
          try {
            await this.runOne(job, handler)
          } finally {
            // pg-boss would wait out the rest of its polling interval after a short job; look for the next one now
            const id = this.workers[slot]
            if (id !== undefined) this.boss.notifyWorker(id)
          }
        }))
    }
  }

  async counts (): Promise<JobCounts> {
    await this.start()
    const { rows } = await this.pool.query<{ state: string, n: string }>(
      'SELECT state, count(*) AS n FROM pgboss.job WHERE name = $1 GROUP BY state', [JOB_QUEUE_NAME])
    const n = (state: string): number => Number(rows.find((r) => r.state === state)?.n ?? 0)
    return { queued: n('created') + n('retry'), active: n('active'), completed: n('completed'), failed: n('failed') + n('cancelled') }
  }

  /** The jobs still queued are left to the other replicas and workers; close() waits for the running ones. */
  stopTaking (): void {
    for (const id of this.workers) {
      this.boss.offWork({ id }).catch((err: unknown) => { this.opts.logger.warn({ err }, 'job queue: could not stop taking jobs') })
    }
  }

  async close (graceMs: number): Promise<void> {
    if (this.started !== undefined) {
      await this.started.catch(() => {})
      // deliveries stop retrying once the grace is over; pg-boss then fails what is still active, to be retried
      const timer = setTimeout(() => this.stop.abort(new Error('shutting down')), graceMs)
      try {
        await this.boss.stop({ graceful: true, timeout: graceMs + 1000, wait: true })
      } finally {
        clearTimeout(timer)
      }
    }
    // pg-boss closes only a pool it made: this one ends once it has stopped
    await Promise.all([this.bossPool.end(), this.pool.end()])
  }

  private retry (): { retryLimit: number, retryDelay: number, retryBackoff: boolean, expireInSeconds: number } {
    return { retryLimit: this.opts.retryLimit, retryDelay: this.opts.retryDelaySeconds, retryBackoff: true, expireInSeconds: this.opts.expireSeconds }
  }

  private async runOne (job: PgBoss.JobWithMetadata<JobSpec>, handler: JobHandler): Promise<void> {
    const spec = job.data
    const { rows } = await this.pool.query<{ audio: Buffer }>('SELECT audio FROM job_audio WHERE request_id = $1', [spec.requestId])
    const audio = rows[0]?.audio
    if (audio === undefined) {
      // an earlier attempt delivered it and died before pg-boss recorded the completion
      this.opts.logger.warn({ request_id: spec.requestId, retry: job.retryCount }, 'callback job has no stored audio: already delivered')
      return
    }
    this.opts.logger.info({ request_id: spec.requestId, retry: job.retryCount }, 'callback job taken')
    try {
      await handler(spec, audio, this.stop.signal)
    } catch (err) {
      if (job.retryCount >= job.retryLimit) await this.dropAudio(spec.requestId)
      throw err
    }
    await this.dropAudio(spec.requestId)
  }

  private async dropAudio (requestId: string): Promise<void> {
    await this.pool.query('DELETE FROM job_audio WHERE request_id = $1', [requestId])
  }
}
