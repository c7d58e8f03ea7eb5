/**
 * Decode worker: runs decodeToPcm off the main event loop. One request at a time (the pool never sends a second
 * before the first is answered); results travel back as transferred buffers, so the PCM is never copied.
 */
import { parentPort } from 'node:worker_threads'
import { DecodeFailure, decodeToPcm, type DecodedAudio, type DecodePlan } from './decode-core.ts'

export interface WorkerRequest {
  id: number
  bytes: Uint8Array
  plan: DecodePlan
  maxSeconds?: number
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'progress', id: number }
  | { type: 'result', id: number, audio: DecodedAudio }
  | { type: 'failure', id: number, kind: 'undecodable' | 'too-long' | 'internal', message: string }

// The WASM codecs log a line per corrupt frame (mpg123 especially), which would flood the server log on every bad
// upload; real failures come back as rejections. (Capturing the worker's stdio from the pool instead would keep
// the process alive: a piped worker stream holds a ref even when the worker is unref'd.)
for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) console[method] = () => {}

const port = parentPort
if (port === null) throw new Error('decode-worker must run in a worker thread')

const send = (msg: WorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer)

/** Heartbeats are rate-limited: the watchdog needs a sign of life, not one message per 16 kB chunk. */
const PROGRESS_INTERVAL_MS = 250

port.on('message', (req: WorkerRequest) => {
  let last = Date.now()
  send({ type: 'progress', id: req.id })
  const progress = (): void => {
    const now = Date.now()
    if (now - last < PROGRESS_INTERVAL_MS) return
    last = now
    send({ type: 'progress', id: req.id })
  }
  decodeToPcm(req.bytes, req.plan, req.maxSeconds, progress).then(
    (audio) => send({ type: 'result', id: req.id, audio }, audio.channels.map((c) => c.buffer as ArrayBuffer)),
    (err: unknown) => {
      if (err instanceof DecodeFailure) send({ type: 'failure', id: req.id, kind: err.kind, message: err.message })
      else send({ type: 'failure', id: req.id, kind: 'internal', message: err instanceof Error ? (err.stack ?? err.message) : String(err) })
    }
  )
})

send({ type: 'ready' })
