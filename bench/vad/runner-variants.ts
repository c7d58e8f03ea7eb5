// Variants of the server's Silero scoring, timed side by side in one process on the calling thread (no worker), so
// one choice at a time can be judged on a shared machine: rounds alternate between variants, and each row reports
// the median wall and CPU time per 32 ms window and how far its probabilities are from the previous code's.
//
//   node --import tsx bench/vad/runner-variants.ts [--minutes 10] [--rounds 3] [--variants a,b,…] [--audio ../shared/audio]
//
// Audio: the bench corpus's clips end to end with its gaps, repeated to --minutes, white noise at -60 dBFS over
// everything (no digital silence anywhere, as in most recordings). The difference column compares each row to the
// first (run `live` apart from the file rows). `before` is the file loop as it was before bench/vad's cost work (full batch every step,
// chunk 0 and the last chunk run past their windows, shipped graph); every other row is SileroRunner with one thing
// changed (`shipped`: the package's graph instead of scripts/silero-matmul.mjs's).
// `worker` / `worker-shipped` are the server's route itself (SileroVad and its worker thread; process CPU time counts
// the worker's), to see what the route adds above ONNX Runtime.
import * as ort from 'onnxruntime-node'
import { GAPS, loadClips, RATE } from './corpus.ts'
import { DEFAULT_VAD_SETTINGS, SileroVad, speechRegions } from '../../src/transcription/vad/index.ts'
import { SileroRunner, MAX_BATCH, SILERO_CONTEXT_SAMPLES, SILERO_STATE_SIZE, WARMUP_WINDOWS, sileroModelPath, type FileTuning, type SileroGraph } from '../../src/transcription/vad/silero-runner.ts'
import { SHARED_AUDIO } from '../shared-audio.ts'

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] as string : fallback
}
const minutes = Number(arg('minutes', '10'))
const rounds = Number(arg('rounds', '3'))
const INPUT = SILERO_CONTEXT_SAMPLES + 512

function corpus (gapNoise: boolean): Float32Array {
  const clips = loadClips(arg('audio', SHARED_AUDIO))
  const parts: Float32Array[] = []
  clips.forEach((c, i) => { parts.push(c.samples, new Float32Array(Math.round((GAPS[i % GAPS.length] as number) * RATE))) })
  const once = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) { once.set(p, at); at += p.length }
  const n = Math.round(minutes * 60 * RATE)
  const out = new Float32Array(n)
  for (let i = 0; i < n; i += once.length) out.set(once.subarray(0, Math.min(once.length, n - i)), i)
  if (gapNoise) {
    let a = 777
    const rms = 10 ** (-60 / 20) * Math.sqrt(3)
    for (let i = 0; i < n; i++) { a = (Math.imul(a, 1103515245) + 12345) >>> 0; out[i] = (out[i] as number) + ((a / 2 ** 32) * 2 - 1) * rms }
  }
  return out
}

/** The file loop before this work (commit 580fde4), with an option to pass preallocated output tensors. */
async function before (session: ort.InferenceSession, audio: Float32Array, preallocate = false): Promise<Float32Array> {
  const sr = new ort.Tensor('int64', BigInt64Array.from([16000n]), [])
  const n = Math.ceil(audio.length / 512)
  const out = new Float32Array(n)
  const batch = Math.max(1, Math.min(MAX_BATCH, Math.floor(n / (8 * WARMUP_WINDOWS))))
  const length = Math.ceil(n / batch)
  const warm = batch === 1 ? 0 : WARMUP_WINDOWS
  const first = Array.from({ length: batch }, (_, b) => (b === 0 ? 0 : b * length - warm))
  const input = new Float32Array(batch * INPUT)
  const feeds: Record<string, ort.Tensor> = {
    input: new ort.Tensor('float32', input, [batch, INPUT]),
    state: new ort.Tensor('float32', new Float32Array(batch * SILERO_STATE_SIZE), [2, batch, 128]),
    sr
  }
  const spare = [new ort.Tensor('float32', new Float32Array(batch * SILERO_STATE_SIZE), [2, batch, 128]), feeds.state as ort.Tensor]
  const output = new ort.Tensor('float32', new Float32Array(batch), [batch, 1])
  for (let step = 0; step < length + warm; step++) {
    for (let b = 0; b < batch; b++) {
      const start = ((first[b] as number) + step) * 512 - SILERO_CONTEXT_SAMPLES
      const from = Math.max(0, Math.min(audio.length, start))
      const to = Math.max(0, Math.min(audio.length, start + INPUT))
      input.fill(0, b * INPUT, (b + 1) * INPUT)
      if (to > from) input.set(audio.subarray(from, to), b * INPUT + (from - start))
    }
    const result = preallocate
      ? await session.run(feeds, { output, stateN: spare[step % 2] as ort.Tensor })
      : await session.run(feeds)
    feeds.state = result.stateN as ort.Tensor
    const probs = (result.output as ort.Tensor).data as Float32Array
    for (let b = 0; b < batch; b++) {
      const w = (first[b] as number) + step
      if (w >= b * length && w < Math.min(n, (b + 1) * length)) out[w] = probs[b] as number
    }
  }
  return out
}

const BASE = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', logSeverityLevel: 3 } as const

interface Variant { name: string, run: (audio: Float32Array) => Promise<Float32Array>, close: () => Promise<void> }

async function runnerVariant (name: string, tuning: FileTuning, overrides: ort.InferenceSession.SessionOptions = {}, graph: SileroGraph = 'matmul'): Promise<Variant> {
  const r = await SileroRunner.load(sileroModelPath(), overrides, graph)
  return { name, run: async (a) => await r.file(a, () => false, tuning), close: async () => await r.close() }
}

async function beforeVariant (name: string, preallocate: boolean): Promise<Variant> {
  const s = await ort.InferenceSession.create(sileroModelPath(), { ...BASE })
  return { name, run: async (a) => await before(s, a, preallocate), close: async () => await s.release() }
}

/** The live route's shape: 100 ms pieces (3-4 windows per call), on the calling thread. */
async function liveVariant (name: string, graph: SileroGraph = 'matmul'): Promise<Variant> {
  const r = await SileroRunner.load(sileroModelPath(), {}, graph)
  return {
    name,
    async run (audio) {
      const whole = Math.floor(audio.length / 512) * 512
      const out = new Float32Array(whole / 512)
      let state: Float32Array = new Float32Array(SILERO_STATE_SIZE)
      const context = new Float32Array(SILERO_CONTEXT_SAMPLES)
      let at = 0
      for (let off = 0, piece = 0; off < whole; off += (3 + (piece++ % 2)) * 512) { // 3 and 4 windows in turn (~100 ms)
        const end = Math.min(whole, off + (3 + (piece % 2)) * 512)
        const samples = new Float32Array(SILERO_CONTEXT_SAMPLES + end - off)
        samples.set(context)
        samples.set(audio.subarray(off, end), SILERO_CONTEXT_SAMPLES)
        context.set(audio.subarray(end - SILERO_CONTEXT_SAMPLES, end))
        const reply = await r.stream(samples, state)
        state = reply.state
        out.set(reply.probs, at)
        at += reply.probs.length
      }
      return out
    },
    close: async () => await r.close()
  }
}

/** The server's route: SileroVad, its worker thread (process CPU time counts the worker's too). */
async function workerVariant (name: string, graph: SileroGraph = 'matmul'): Promise<Variant> {
  const vad = new SileroVad({ graph })
  await vad.ready()
  return { name, run: async (a) => await vad.probabilities(a), close: async () => await vad.close() }
}

const makers: Record<string, () => Promise<Variant>> = {
  worker: async () => await workerVariant('SileroVad (worker), MatMul graph'),
  'worker-shipped': async () => await workerVariant('SileroVad (worker), shipped graph', 'shipped'),
  before: async () => await beforeVariant('before (580fde4 loop)', false),
  'before-prealloc': async () => await beforeVariant('before + preallocated output tensors', true),
  now: async () => await runnerVariant('now (SileroRunner defaults: MatMul graph)', {}),
  shipped: async () => await runnerVariant('shipped graph (the package file as is)', {}, {}, 'shipped'),
  'warmup-32': async () => await runnerVariant('now, warm-up 1 s', { warmup: 32 }),
  '8k': async () => await runnerVariant('now, 8 kHz branch (audio decimated 2:1)', { rate: 8000 }),
  'batch-16': async () => await runnerVariant('now, max batch 16', { maxBatch: 16 }),
  'batch-64': async () => await runnerVariant('now, max batch 64', { maxBatch: 64 }),
  'batch-128': async () => await runnerVariant('now, max batch 128', { maxBatch: 128 }),
  'no-arena': async () => await runnerVariant('now, enableCpuMemArena false', {}, { enableCpuMemArena: false }),
  'no-mem-pattern': async () => await runnerVariant('now, enableMemPattern false', {}, { enableMemPattern: false }),
  extended: async () => await runnerVariant("now, graphOptimizationLevel 'extended'", {}, { graphOptimizationLevel: 'extended' }),
  basic: async () => await runnerVariant("now, graphOptimizationLevel 'basic'", {}, { graphOptimizationLevel: 'basic' }),
  parallel: async () => await runnerVariant("now, executionMode 'parallel'", {}, { executionMode: 'parallel' }),
  live: async () => await liveVariant('live pieces (3-4 windows per call)'),
  'live-shipped': async () => await liveVariant('live pieces, shipped graph', 'shipped')
}
const names = arg('variants', Object.keys(makers).join(',')).split(',')

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
const cpuNow = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6 }

{
  const audio = corpus(true)
  const windows = Math.ceil(audio.length / 512)
  const variants: Variant[] = []
  for (const name of names) variants.push(await (makers[name] as () => Promise<Variant>)())
  const wall = variants.map(() => [] as number[])
  const cpu = variants.map(() => [] as number[])
  const probs: Float32Array[] = []
  for (let round = 0; round < rounds; round++) {
    for (const [i, v] of variants.entries()) {
      const t = performance.now()
      const c = cpuNow()
      probs[i] = await v.run(audio)
      cpu[i]!.push(cpuNow() - c)
      wall[i]!.push((performance.now() - t) / 1000)
    }
  }
  const ref = probs[0] as Float32Array
  const refRegions = JSON.stringify(speechRegions(ref, DEFAULT_VAD_SETTINGS, { totalSamples: audio.length }))
  console.log(`\n### ${minutes} min, ${windows} windows, ${rounds} rounds, load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}\n`)
  console.log(`| variant | wall ms per window | CPU ms per window | max abs difference from ${variants[0]?.name} | same regions |\n| --- | --- | --- | --- | --- |`)
  for (const [i, v] of variants.entries()) {
    const p = probs[i] as Float32Array
    let d = 0
    for (let w = 0; w < Math.min(p.length, ref.length); w++) d = Math.max(d, Math.abs((p[w] as number) - (ref[w] as number)))
    const same = JSON.stringify(speechRegions(p, DEFAULT_VAD_SETTINGS, { totalSamples: audio.length })) === refRegions
    console.log(`| ${v.name} | ${(median(wall[i]!) / p.length * 1000).toFixed(4)} | ${(median(cpu[i]!) / p.length * 1000).toFixed(4)} | ${d.toExponential(1)} | ${same ? 'yes' : 'no'} |`)
  }
  for (const v of variants) await v.close()
}
