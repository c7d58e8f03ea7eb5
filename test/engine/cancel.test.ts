// test:serial — bounds how soon an abort stops the CPU, against a full run: other processes on the cores skew it.
// Cancellation frees the CPU: an abort lands inside the encoder's ggml graph (whisper.cpp v1.9.1 alone would
// finish the pass first: native/src/whisper-unit.cpp) or inside the spectrogram of the whole input (which whisper
// computes unabortably before the first window; the addon computes it in slices), the threads stop, and the state
// serves the next job. base.en at 1 thread: one full-window encoder pass takes seconds, so "stopped mid-pass" is
// unmistakable; minutes of audio on small-test (a near-free encoder) make a run that is mostly spectrogram. Every
// bound is a ratio against a full run measured in the same test (other processes load these 2 cores).
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Engine } from '../../src/engine/engine.ts'
import { loadNativeModel, NativeAbortError, type NativeJob, type NativeModel } from '../../src/engine/binding.ts'
import { installTestModel, testAudio, testModel, TEST_PHRASE } from '../helpers/models.ts'

const root = mkdtempSync(join(tmpdir(), 'earshot-cancel-'))
after(() => rmSync(root, { recursive: true, force: true }))

const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
const textOf = (r: { segments: Array<{ text: string }> }): string => r.segments.map((s) => s.text).join('').trim()

/** The process's CPU use over a window of `ms` in which nothing runs, as a fraction of one core. */
async function idleRate (ms: number): Promise<number> {
  const w0 = performance.now()
  const c0 = cpuMs()
  await new Promise((resolve) => setTimeout(resolve, ms))
  return (cpuMs() - c0) / (performance.now() - w0)
}

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

/**
 * After an aborted run: no job left on the model, its threads gone (the process nearly idle over `quietMs` against
 * `busyRate` during the job), and the pooled state that was cut short decodes the next job normally.
 */
async function expectQuietAndReusable (model: NativeModel, job: NativeJob, busyRate: number, quietMs: number): Promise<void> {
  assert.equal(model.activeJobs, 0)
  const quietRate = await idleRate(quietMs)
  assert.ok(quietRate < busyRate * 0.2, `CPU after the abort ${(quietRate * 100).toFixed(0)} % of a core, during the job ${(busyRate * 100).toFixed(0)} %`)
  assert.equal(textOf(await model.transcribe({ ...job, pcm: testAudio(2), audioCtx: 200 })), TEST_PHRASE)
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
    await expectQuietAndReusable(model, job, r.busyRate, Math.max(300, passMs * 0.1))
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

// 4 minutes, the whole input in one whisper_full call (the engine with vad=false): a run that is mostly spectrogram
const LONG_SECONDS = 240

test('an abort during the spectrogram of a long input stops within a slice of it and the CPU goes quiet', async () => {
  const model = await loadNativeModel(testModel('small-test'))
  try {
    const job: NativeJob = { pcm: testAudio(LONG_SECONDS), threads: 1, language: 'en', audioCtx: 0 }
    const full = await model.transcribe(job)
    const melMs = full.timings.melMs ?? 0
    assert.equal(full.segments.length, LONG_SECONDS / 30)
    assert.ok(melMs > full.timings.totalMs * 0.3, `spectrogram ${melMs.toFixed(0)} of ${full.timings.totalMs.toFixed(0)} ms`)

    // 40 % into the spectrogram; whisper's own would run its remaining 60 % (and the signal energy) first
    const r = await abortAfter(model, job, melMs * 0.4)
    assert.ok(r.error instanceof NativeAbortError, `rejected with ${String(r.error)}`)
    assert.ok(r.stopMs < melMs * 0.15, `stopped ${r.stopMs.toFixed(0)} ms after the abort; the spectrogram takes ${melMs.toFixed(0)} ms`)
    await expectQuietAndReusable(model, job, r.busyRate, Math.max(300, melMs * 0.1))
  } finally {
    await model.free()
  }
})

test('engine: a long input aborted during its spectrogram frees the decode slot for the next job at once', async () => {
  const dir = join(root, 'models')
  installTestModel(dir, 'small-test', 'm')
  const engine = new Engine({ modelsDir: dir, defaultModel: 'm', concurrency: 1, threads: 1, queueMax: 8, maxLoadedModels: 1, defaultAudioCtx: 0 })
  try {
    await engine.ready()
    const long = testAudio(LONG_SECONDS)
    const full = await engine.transcribe(long, { model: await engine.models.describeModel() })
    const melMs = full.timings?.melMs ?? 0
    assert.ok(melMs > 0)

    const ctrl = new AbortController()
    const dead = engine.transcribe(long, { model: await engine.models.describeModel(), signal: ctrl.signal }).then(() => null, (err: unknown) => err)
    const next = engine.transcribe(testAudio(2), { model: await engine.models.describeModel() }) // queued behind it (one decode at a time)
    let abortedAt = 0
    const timer = setTimeout(() => { abortedAt = performance.now(); ctrl.abort() }, melMs * 0.4)
    const r = await next
    const nextMs = performance.now() - abortedAt
    clearTimeout(timer)
    assert.ok(abortedAt > 0, 'the next job finished before the abort')
    assert.equal((await dead as Error | null)?.name, 'AbortError')
    assert.equal(r.segments.map((s) => s.text).join('').trim(), TEST_PHRASE)
    // without an abortable spectrogram the dead job's remaining ~60 % of it would come first
    assert.ok(nextMs < melMs * 0.3, `the next job finished ${nextMs.toFixed(0)} ms after the abort; the spectrogram takes ${melMs.toFixed(0)} ms`)
    assert.equal(engine.stats().running, 0)
  } finally {
    await engine.close()
  }
})
