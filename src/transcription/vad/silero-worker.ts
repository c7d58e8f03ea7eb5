/**
 * The VAD worker: one Silero session (silero-runner.ts) off the main event loop, serving every file and live
 * stream of the process. Requests run concurrently, interleaved at each ONNX Runtime call (one window, or one
 * batch of windows for a file), so a long file never holds a live stream's windows back by more than a few ms.
 */
import { parentPort } from 'node:worker_threads'
import { SileroRunner } from './silero-runner.ts'

export type VadRequest =
  | { type: 'file', id: number, audio: Float32Array }
  | { type: 'stream', id: number, samples: Float32Array, state: Float32Array }
  | { type: 'cancel', id: number }

export type VadReply =
  | { type: 'ready' }
  | { type: 'failed', message: string }
  | { type: 'file', id: number, probs: Float32Array }
  | { type: 'stream', id: number, probs: Float32Array, state: Float32Array }
  | { type: 'error', id: number, message: string }

const port = parentPort
if (port === null) throw new Error('silero-worker must run in a worker thread')
const send = (msg: VadReply, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer)
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err))

/** Requests being scored, and those of them whose caller has given up (a cancel for any other id is late: ignored). */
const running = new Set<number>()
const cancelled = new Set<number>()
let runner: SileroRunner
try {
  runner = await SileroRunner.load()
} catch (err) {
  send({ type: 'failed', message: message(err) })
  throw err
}

port.on('message', (req: VadRequest) => {
  if (req.type === 'cancel') { if (running.has(req.id)) cancelled.add(req.id); return }
  running.add(req.id)
  const work = req.type === 'file'
    ? runner.file(req.audio, () => cancelled.has(req.id)).then((probs) => { send({ type: 'file', id: req.id, probs }, [probs.buffer as ArrayBuffer]) })
    : runner.stream(req.samples, req.state, () => cancelled.has(req.id)).then(({ probs, state }) => { send({ type: 'stream', id: req.id, probs, state }, [probs.buffer as ArrayBuffer, state.buffer as ArrayBuffer]) })
  work.catch((err: unknown) => { send({ type: 'error', id: req.id, message: message(err) }) })
    .finally(() => { running.delete(req.id); cancelled.delete(req.id) })
})

send({ type: 'ready' })
