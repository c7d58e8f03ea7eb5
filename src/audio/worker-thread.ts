/**
 * How earshot starts its worker threads (the audio decoders, the Silero VAD): one place for what every one needs.
 * Node runs the .ts entries itself, as it runs the main thread's (type stripping); a compiled build would hand
 * the .js beside it.
 */
import { Worker } from 'node:worker_threads'

/** The entry `name` (without extension) beside the module at `base` (its import.meta.url), .ts or .js as that one. */
export function workerEntry (name: string, base: string): URL {
  return new URL(`./${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base)
}

/**
 * A worker inherits the parent's flags, except where one makes no sense for a file entry: `--input-type` (set when
 * the process was started with `-e` / stdin) makes Node refuse to load the entry at all. Only then are the flags
 * passed explicitly, without it (an explicit list is re-parsed, and some of what Node reports in execArgv, such as
 * the test runner's own flags, is refused in a worker).
 */
export function workerExecArgv (): string[] | undefined {
  const inputType = (arg: string): boolean => arg === '--input-type' || arg.startsWith('--input-type=')
  if (!process.execArgv.some(inputType)) return undefined
  const out: string[] = []
  for (let i = 0; i < process.execArgv.length; i++) {
    const arg = process.execArgv[i]!
    if (arg === '--input-type') { i++; continue }
    if (!inputType(arg)) out.push(arg)
  }
  return out
}

/** A worker thread on `entry`, called `name` (thread listings, logs), with `data` as its workerData. */
export function startWorker (entry: URL, name: string, data?: unknown): Worker {
  const execArgv = workerExecArgv()
  return new Worker(entry, { name, workerData: data, ...(execArgv !== undefined ? { execArgv } : {}) })
}
