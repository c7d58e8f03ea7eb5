/**
 * A small fixed-size pool of decode workers. Decoding a long file is seconds of synchronous WASM; on the main
 * thread it would stall every other request and WebSocket, so it happens here instead.
 *
 * Workers start lazily, are reused across calls and are unref'd whenever idle, so an idle pool never keeps the
 * process alive; a worker is ref'd only while it holds a job (otherwise an awaited decode could be abandoned by
 * an exiting event loop). A worker that crashes, times out or is aborted mid-job is terminated and replaced on
 * the next job.
 */
import type { Worker } from 'node:worker_threads'
import { startWorker, workerEntry } from './worker-thread.ts'
import { payloadTooLarge, shuttingDown, undecodableAudio } from '../errors.ts'
import type { DecodedAudio, DecodePlan } from './decode-core.ts'
import type { WorkerMessage, WorkerRequest } from './decode-worker.ts'

export interface PoolOptions {
  /** Worker threads (default 1). Whisper already saturates the cores; decoding is the small part. */
  size: number
  /**
   * Watchdog: a job whose worker shows no progress for this long (plus 1 s per MB of input, for codecs such as
   * MP4 that decode everything in one final call) is treated as undecodable input and its worker is killed.
   */
  stallTimeoutMs: number
}

/** Extra time for a job's first heartbeat when its worker is still starting (module loading). */
const BOOT_ALLOWANCE_MS = 30_000

interface Job {
  req: WorkerRequest
  /** req.bytes is detached once posted, so its size is kept here. */
  size: number
  transfer: ArrayBuffer[]
  resolve: (audio: DecodedAudio) => void
  reject: (err: unknown) => void
  signal: AbortSignal | undefined
  onAbort: () => void
}

interface Slot {
  worker: Worker
  job: Job | undefined
  timer: NodeJS.Timeout | undefined
  ready: boolean
  gone: boolean
}

const ENTRY_URL = workerEntry('decode-worker', import.meta.url)

export class DecoderPool {
  private readonly slots: Slot[] = []
  private readonly queue: Job[] = []
  private nextId = 1
  private closed = false

  private readonly options: PoolOptions
  constructor (options: PoolOptions) {
    this.options = options
  }

  run (bytes: Uint8Array, plan: DecodePlan, maxSeconds: number | undefined, signal?: AbortSignal): Promise<DecodedAudio> {
    if (this.closed) return Promise.reject(shuttingDown())
    if (signal?.aborted === true) return Promise.reject(signal.reason)
    // A private copy, because the buffer is transferred (detached here): the caller keeps theirs, and a Buffer may
    // be a view into Node's shared pool. Not bytes.slice(): on a Buffer that is a view, not a copy.
    const own = new Uint8Array(bytes)
    return new Promise<DecodedAudio>((resolve, reject) => {
      const req: WorkerRequest = { id: this.nextId++, bytes: own, plan }
      if (maxSeconds !== undefined) req.maxSeconds = maxSeconds
      const job: Job = { req, size: own.byteLength, transfer: [own.buffer], resolve, reject, signal, onAbort: () => this.abort(job) }
      signal?.addEventListener('abort', job.onAbort, { once: true })
      this.queue.push(job)
      this.dispatch()
    })
  }

  async close (): Promise<void> {
    this.closed = true
    for (const job of this.queue.splice(0)) this.settle(job, shuttingDown())
    await Promise.all(this.slots.splice(0).map(async (slot) => {
      slot.gone = true
      if (slot.job !== undefined) this.settle(slot.job, shuttingDown())
      clearTimeout(slot.timer)
      await slot.worker.terminate()
    }))
  }

  private dispatch (): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.job === undefined && !s.gone)
      if (slot === undefined) {
        if (this.slots.length >= this.options.size) return
        slot = this.spawn()
      }
      const job = this.queue.shift()!
      slot.job = job
      slot.worker.ref()
      this.arm(slot, slot.ready ? 0 : BOOT_ALLOWANCE_MS)
      slot.worker.postMessage(job.req, job.transfer)
    }
  }

  private spawn (): Slot {
    const worker = startWorker(ENTRY_URL, 'earshot-audio-decode')
    const slot: Slot = { worker, job: undefined, timer: undefined, ready: false, gone: false }
    worker.unref()
    worker.on('message', (msg: WorkerMessage) => this.onMessage(slot, msg))
    worker.on('error', (err) => {
      // Before 'ready' the worker failed to load (a deployment problem, not the client's audio): surface a 500.
      this.retire(slot, slot.ready ? undecodableAudio(err) : new Error('audio decode worker failed to start', { cause: err }))
    })
    worker.on('exit', (code) => {
      this.retire(slot, undecodableAudio(new Error(`audio decode worker exited with code ${code}`)))
    })
    this.slots.push(slot)
    return slot
  }

  /** (Re)starts the watchdog for the slot's current job. */
  private arm (slot: Slot, extraMs: number): void {
    clearTimeout(slot.timer)
    const limit = this.options.stallTimeoutMs + Math.ceil((slot.job?.size ?? 0) / 1000) + extraMs
    slot.timer = setTimeout(() => {
      this.retire(slot, undecodableAudio(new Error(`the decoder made no progress for ${limit} ms`)))
    }, limit)
    slot.timer.unref()
  }

  private onMessage (slot: Slot, msg: WorkerMessage): void {
    if (msg.type === 'ready') { slot.ready = true; return }
    const job = slot.job
    if (job === undefined || job.req.id !== msg.id) return
    if (msg.type === 'progress') { this.arm(slot, 0); return }
    clearTimeout(slot.timer)
    slot.job = undefined
    slot.timer = undefined
    slot.worker.unref()
    if (msg.type === 'result') this.settle(job, undefined, msg.audio)
    else if (msg.kind === 'too-long') this.settle(job, payloadTooLarge(msg.message))
    else if (msg.kind === 'undecodable') this.settle(job, undecodableAudio(new Error(msg.message)))
    else this.settle(job, new Error(`audio decoding failed: ${msg.message}`))
    this.dispatch()
  }

  /** Removes a slot for good (crash, timeout, abort): fails its job, kills the thread, lets the queue move on. */
  private retire (slot: Slot, err: unknown): void {
    if (slot.gone) return
    slot.gone = true
    clearTimeout(slot.timer)
    const i = this.slots.indexOf(slot)
    if (i >= 0) this.slots.splice(i, 1)
    if (slot.job !== undefined) this.settle(slot.job, err)
    slot.job = undefined
    slot.worker.terminate().catch(() => {})
    if (!this.closed) this.dispatch()
  }

  private abort (job: Job): void {
    const queued = this.queue.indexOf(job)
    if (queued >= 0) {
      this.queue.splice(queued, 1)
      this.settle(job, job.signal?.reason)
      return
    }
    // Synchronous WASM cannot be interrupted, so the only way to stop a running decode is to kill its thread.
    const slot = this.slots.find((s) => s.job === job)
    if (slot !== undefined) this.retire(slot, job.signal?.reason)
  }

  private settle (job: Job, err: unknown, audio?: DecodedAudio): void {
    job.signal?.removeEventListener('abort', job.onAbort)
    if (audio !== undefined) job.resolve(audio)
    else job.reject(err)
  }
}
