import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ADDON_PATH } from '../../src/engine/binding.ts'
import { tempDir } from '../helpers/build.ts'
import { testModel } from '../helpers/models.ts'

/**
 * The addon loaded by a worker thread as well as the main thread (each thread has its own N-API environment): a
 * worker that sets a logger and exits with a job still running must leave the main thread's classes, logger and
 * models working. Run in a child process, since the failure this guards against is a crash (a Model class kept in
 * one process-wide static was replaced by the worker's and dangled once it exited: loadModel then segfaulted; a
 * job ending during the worker's teardown aborted the process).
 */
const CHILD = `
import { createRequire } from 'node:module'
import { Worker, isMainThread, workerData } from 'node:worker_threads'
const { addonPath, modelPath } = isMainThread ? JSON.parse(process.argv[2]) : workerData
const addon = createRequire(import.meta.url)(addonPath)
const pcm = new Float32Array(16000 * 3).map((_, i) => 0.1 * Math.sin(i / 5))
if (isMainThread) {
  const lines = []
  addon.setLogger((level, line) => { lines.push(line) })
  const before = await addon.loadModel(modelPath, {})
  const worker = new Worker(new URL(import.meta.url), { workerData: { addonPath, modelPath } })
  const code = await new Promise((resolve) => worker.on('exit', resolve))
  const after = await addon.loadModel(modelPath, {})
  const [a] = before.transcribe(pcm, { threads: 1, audioCtx: 64 })
  const [b] = after.transcribe(pcm, { threads: 1, audioCtx: 64 })
  const results = await Promise.all([a, b])
  before.free(); after.free()
  console.log(JSON.stringify({ workerExit: code, segments: results.map((r) => r.segments.length), logged: lines.length > 0 }))
} else {
  addon.setLogger(() => {})
  const model = await addon.loadModel(modelPath, {})
  model.transcribe(pcm, { threads: 1, audioCtx: 64 }) // left running
  process.exit(0)
}
`

test('a worker thread that loads the addon and exits mid-job leaves the main thread working', (t) => {
  const modelPath = testModel('small-test', 'q8_0')
  const script = join(tempDir(t), 'two-threads.mjs')
  writeFileSync(script, CHILD)
  const run = spawnSync(process.execPath, [script, JSON.stringify({ addonPath: ADDON_PATH, modelPath })], { encoding: 'utf8', timeout: 120_000 })
  assert.equal(run.signal, null, `child killed by ${run.signal}: ${run.stderr}`)
  assert.equal(run.status, 0, run.stderr)
  const report = JSON.parse(run.stdout.trim().split('\n').at(-1) as string)
  assert.equal(report.workerExit, 0)
  assert.equal(report.segments.length, 2)
  assert.ok(report.logged, 'the main thread\'s logger still receives whisper\'s log')
})
