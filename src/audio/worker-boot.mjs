// Decode worker entry shim. Node's worker loader does not apply tsx's hooks to a .ts worker entry (not even with
// `--import tsx` inherited through execArgv), so when the real entry is TypeScript this plain-JS file registers
// tsx inside the worker first. Compiled .js entries are imported as they are.
import { workerData } from 'node:worker_threads'

const entry = workerData?.entry
if (typeof entry !== 'string') throw new Error('worker-boot: workerData.entry missing')
if (entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api')
  register()
}
await import(entry)
