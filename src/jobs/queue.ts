/**
 * Where callback jobs wait. Two backends behind one interface: the in-process queue of the SQLite default
 * (./in-process-queue.ts; jobs live in memory and are lost if the process dies) and pg-boss on PostgreSQL
 * (./pg-boss-queue.ts; any replica or `earshot worker` runs them, a dead worker's job is retried).
 */
import type { JobSpec } from './spec.ts'

/** Runs one job to the end (transcribed and delivered); rejects to have the queue retry it, when it can. */
export type JobHandler = (spec: JobSpec, audio: Uint8Array, signal: AbortSignal) => Promise<void>

/** For the jobs-by-state gauge: waiting (incl. waiting to be retried), running, and finished since start. */
export interface JobCounts {
  queued: number
  active: number
  completed: number
  failed: number
}

export interface JobQueueBackend {
  readonly kind: 'in-process' | 'pg-boss'
  /** Connects (pg-boss: its schema and the queue); a replica that cannot reach its queue fails at start-up. */
  start (): Promise<void>
  /** Queues a job; AppError 503 when it cannot be taken (full, or nothing could run it). */
  submit (spec: JobSpec, audio: Uint8Array): Promise<void>
  /** Starts taking jobs in this process (engine on, or `earshot worker`), `concurrency` at once. */
  work (handler: JobHandler): Promise<void>
  counts (): Promise<JobCounts>
  /**
   * Shutdown has begun: this process starts no job that another could run instead (pg-boss: its consumer stops
   * fetching). The running ones go on, and submit still works; close() then waits for them.
   */
  stopTaking (): void
  /**
   * Stops taking jobs and waits up to `graceMs` for running ones; a job still running then is released (pg-boss:
   * failed, so it is retried) or, in process, abandoned with the process.
   */
  close (graceMs: number): Promise<void>
}
