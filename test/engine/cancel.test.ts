// Cancellation frees the CPU: an abort lands inside the encoder's ggml graph (whisper.cpp v1.9.1 alone would
// finish the pass first: native/src/whisper-unit.cpp), the decode threads stop, and the state serves the next job.
// base.en at 1 thread: one full-window encoder pass takes seconds, so "stopped mid-pass" is unmistakable. Every
// bound is a ratio against a full pass measured in the same test (other processes load these 2 cores).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadNativeModel, NativeAbortError, type NativeJob, type NativeModel } from '../../src/engine/binding.ts'
import { testAudio, testModel, TEST_PHRASE } from '../helpers/models.ts'

const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
const textOf = (r: { segments: Array<{ text: string }> }): string => r.segments.map((s) => s.text).join('').trim()

/** Runs `job` and aborts it `afterMs` after it was queued; what the process spent before and after the abort. */
async function abortAfter (model: NativeModel, job: NativeJob, afterMs: number): Promise<{ error: unknown, stopMs: number, busyRate: number, cpuBeforeAbort: number }> {
  const ctrl = new AbortController()
  const started = performance.now()
  const cpu0 = cpuMs()
  const run = model.transcribe({ ...job, signal: ctrl.signal })
  let abortedAt = 0
  let cpuAtAbort = 0
  const timer = setTimeout(() => { abortedAt = performance.now(); cpuAtAbort = cpuMs(); ctrl.abort() }, afterMs)
  const error = await run.then(() => null, (err: unknown) => err)
  clearTimeout(timer)
  return {
    error,
    stopMs: performance.now() - abortedAt,
    busyRate: (cpuAtAbort - cpu0) / (abortedAt - started),
    cpuBeforeAbort: cpuAtAbort - cpu0
  }
}

test('an abort mid-encoder stops within a fraction of the pass, the CPU goes quiet, and the state decodes again', async () => {
  const model = await loadNativeModel(testModel('base.en'))
  try {
    // 10 s of audio at the full 30 s encoder window: one encoder pass, then a short scripted decode
    const job: NativeJob = { pcm: testAudio(10), threads: 1, language: 'en', audioCtx: 0 }
    const t0 = performance.now()
    const cpu0 = cpuMs()
    assert.equal(textOf(await model.transcribe(job)), TEST_PHRASE)
    const passMs = performance.now() - t0
    const passCpu = cpuMs() - cpu0

    // 40 % into the run is inside the encoder (most of the pass); without the fix the rest of it (~50 %) runs on
    const r = await abortAfter(model, job, passMs * 0.4)
    assert.ok(r.error instanceof NativeAbortError, `rejected with ${String(r.error)}`)
    assert.ok(r.cpuBeforeAbort > passCpu * 0.1, `the job was running when aborted (${r.cpuBeforeAbort.toFixed(0)} of ${passCpu.toFixed(0)} ms CPU)`)
    assert.ok(r.stopMs < passMs * 0.15,
      `stopped ${r.stopMs.toFixed(0)} ms after the abort; a full pass takes ${passMs.toFixed(0)} ms`)
    assert.equal(model.activeJobs, 0)

    // the decode threads are gone: the process is (nearly) idle while nothing runs
    const windowMs = Math.max(300, passMs * 0.1)
    const w0 = performance.now()
    const c0 = cpuMs()
    await new Promise((resolve) => setTimeout(resolve, windowMs))
    const quietRate = (cpuMs() - c0) / (performance.now() - w0)
    assert.ok(quietRate < r.busyRate * 0.2, `CPU after the abort ${(quietRate * 100).toFixed(0)} % of a core, during the job ${(r.busyRate * 100).toFixed(0)} %`)

    // the same pooled state runs the next job normally
    assert.equal(textOf(await model.transcribe({ ...job, pcm: testAudio(2), audioCtx: 200 })), TEST_PHRASE)
  } finally {
    await model.free()
  }
})

test('an abort during language detection is an abort, not a failed detection', async () => {
  const model = await loadNativeModel(testModel('tiny'))
  try {
    const job: NativeJob = { pcm: testAudio(5), threads: 1, language: 'auto', detectLanguage: true, audioCtx: 0 }
    const full = await model.transcribe(job)
    const detectMs = full.timings.detectMs ?? 0
    assert.ok(detectMs > 0 && full.languageProbability !== undefined)
    // half-way through detection's own encoder pass
    const r = await abortAfter(model, job, detectMs * 0.5)
    assert.ok(r.error instanceof NativeAbortError, `rejected with ${String(r.error)}`)
    assert.ok(r.stopMs < full.timings.totalMs * 0.12, `stopped ${r.stopMs.toFixed(0)} ms after the abort; the run takes ${full.timings.totalMs.toFixed(0)} ms`)
    assert.equal(textOf(await model.transcribe({ ...job, pcm: testAudio(2), audioCtx: 200 })), TEST_PHRASE)
  } finally {
    await model.free()
  }
})
