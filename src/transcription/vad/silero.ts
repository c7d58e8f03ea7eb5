/**
 * The process's voice-activity detector: Silero in a worker thread (silero-worker.ts), started on first use and
 * shared by every request and live stream. Files get one probability per 32 ms window; live streams get a
 * SileroStream, which keeps its recurrent state and context here and sends its windows to the worker as they come.
 *
 * The worker is ref'd only while it has work (an idle detector never keeps the process alive). If it dies, the
 * requests it held fail and the next request starts a new one.
 */
import type { Worker } from 'node:worker_threads'
import { startWorker, workerEntry } from '../../audio/worker-thread.ts'
import { SILERO_FRAME_SAMPLES } from './settings.ts'
import { SILERO_CONTEXT_SAMPLES, SILERO_GRAPH_PATH, SILERO_STATE_SIZE } from './silero-runner.ts'
import type { VadReply, VadRequest } from './silero-worker.ts'
import type { WindowScorer } from './stream.ts'

const ENTRY_URL = workerEntry('silero-worker', import.meta.url)

interface Pending { resolve: (reply: VadReply) => void, reject: (err: Error) => void }

export class SileroVad {
  /** The model file the worker loads (checked-in, checked against its SHA-256 there). */
  readonly modelPath = SILERO_GRAPH_PATH
  private worker: Worker | undefined
  private started: Promise<Worker> | undefined
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private closed = false
  /** Windows scored so far (files and streams): lets tests and logs see that the VAD ran. */
  windowsScored = 0

  /** Starts the worker and loads the model now rather than on first use; rejects if the model cannot load. */
  async ready (): Promise<void> {
    await this.start()
  }

  /**
   * One speech probability per 512-sample window of 16 kHz mono audio. The caller keeps its audio (speech-only.ts
   * decodes it afterwards): the worker gets one copy in shared memory and reads it in place, which measured ~35 %
   * cheaper than the structured clone postMessage makes (32 against 50 ms per 10 minutes of audio) and holds one
   * copy instead of two. Audio already in a SharedArrayBuffer is not copied at all.
   */
  async probabilities (audio: Float32Array, signal?: AbortSignal): Promise<Float32Array> {
    if (audio.length === 0) return new Float32Array(0)
    signal?.throwIfAborted()
    const id = this.nextId++
    const onAbort = (): void => { this.cancel(id) }
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      const shared = audio.buffer instanceof SharedArrayBuffer ? audio : sharedCopy(audio)
      const reply = await this.request({ type: 'file', id, audio: shared }, signal)
      signal?.throwIfAborted()
      const probs = (reply as Extract<VadReply, { type: 'file' }>).probs
      this.windowsScored += probs.length
      return probs
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }

  /** A scorer for one live stream (its own state); once `signal` aborts its windows are no longer scored. */
  stream (signal?: AbortSignal): SileroStream {
    return new SileroStream(this, signal)
  }

  /** @internal SileroStream's round trip; an abort stops the worker at its next window and rejects. */
  async scoreStream (samples: Float32Array, state: Float32Array, signal?: AbortSignal): Promise<{ probs: Float32Array, state: Float32Array }> {
    signal?.throwIfAborted()
    const id = this.nextId++
    const onAbort = (): void => { this.cancel(id) }
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      const reply = await this.request({ type: 'stream', id, samples, state }, signal) as Extract<VadReply, { type: 'stream' }>
      this.windowsScored += reply.probs.length // cancelled: the windows the worker scored before it stopped
      signal?.throwIfAborted()
      return reply
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }

  async close (): Promise<void> {
    this.closed = true
    const worker = this.worker ?? await this.started?.catch(() => undefined)
    this.worker = undefined
    this.started = undefined
    this.failAll(new Error('the voice-activity detector is closed'))
    await worker?.terminate()
  }

  /** Asks the worker to stop request `id`, if it has been sent and not answered yet. */
  private cancel (id: number): void {
    if (this.pending.has(id)) this.worker?.postMessage({ type: 'cancel', id } satisfies VadRequest)
  }

  /** Sends `req` unless `signal` aborted while the worker started (after that, an abort is a cancel). */
  private async request (req: Exclude<VadRequest, { type: 'cancel' }>, signal?: AbortSignal): Promise<VadReply> {
    const worker = await this.start()
    signal?.throwIfAborted()
    return await new Promise<VadReply>((resolve, reject) => {
      this.pending.set(req.id, { resolve, reject })
      worker.ref()
      worker.postMessage(req)
    })
  }

  private start (): Promise<Worker> {
    if (this.closed) return Promise.reject(new Error('the voice-activity detector is closed'))
    this.started ??= new Promise<Worker>((resolve, reject) => {
      const worker = startWorker(ENTRY_URL, 'earshot-vad')
      let ready = false
      worker.on('message', (msg: VadReply) => {
        if (msg.type === 'ready') { ready = true; this.worker = worker; worker.unref(); resolve(worker); return }
        if (msg.type === 'failed') { reject(new Error(`the Silero VAD model could not be loaded: ${msg.message}`)); return }
        const pending = this.pending.get(msg.id)
        if (pending === undefined) return
        this.pending.delete(msg.id)
        if (this.pending.size === 0) worker.unref()
        if (msg.type === 'error') pending.reject(new Error(`voice-activity detection failed: ${msg.message}`))
        else pending.resolve(msg)
      })
      const gone = (err: Error): void => {
        if (!ready) reject(err)
        if (this.worker === worker || !ready) { this.worker = undefined; this.started = undefined }
        this.failAll(err)
      }
      worker.on('error', (err) => gone(new Error('the voice-activity worker failed', { cause: err })))
      worker.on('exit', (code) => gone(new Error(`the voice-activity worker exited with code ${code}`)))
    })
    return this.started
  }

  private failAll (err: Error): void {
    const all = [...this.pending.values()]
    this.pending.clear()
    for (const p of all) p.reject(err)
  }
}

function sharedCopy (audio: Float32Array): Float32Array {
  const copy = new Float32Array(new SharedArrayBuffer(audio.byteLength))
  copy.set(audio)
  return copy
}

/**
 * One live stream's scorer: Silero's framing (the previous window's last 64 samples before each window) and its
 * LSTM state live here between calls. Calls are chained, so windows are scored in the order they were given even
 * if a caller does not wait.
 */
export class SileroStream implements WindowScorer {
  readonly frameSamples = SILERO_FRAME_SAMPLES
  private state: Float32Array = new Float32Array(SILERO_STATE_SIZE)
  private readonly context = new Float32Array(SILERO_CONTEXT_SAMPLES)
  private chain: Promise<unknown> = Promise.resolve()

  private readonly vad: SileroVad
  private readonly signal?: AbortSignal
  constructor (vad: SileroVad, signal?: AbortSignal) {
    this.vad = vad
    this.signal = signal
  }

  /** Probabilities for `windows` (a whole number of 512-sample windows, in stream order). */
  async score (windows: Float32Array): Promise<Float32Array> {
    const samples = new Float32Array(SILERO_CONTEXT_SAMPLES + windows.length)
    samples.set(this.context)
    samples.set(windows, SILERO_CONTEXT_SAMPLES)
    if (windows.length >= SILERO_CONTEXT_SAMPLES) this.context.set(windows.subarray(windows.length - SILERO_CONTEXT_SAMPLES))
    const run = this.chain.then(async () => {
      const reply = await this.vad.scoreStream(samples, this.state, this.signal)
      this.state = reply.state
      return reply.probs
    })
    this.chain = run.catch(() => {})
    return await run
  }

  reset (): void {
    this.state = new Float32Array(SILERO_STATE_SIZE)
    this.context.fill(0)
  }
}
