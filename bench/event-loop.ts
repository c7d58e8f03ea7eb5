// What oversubscription costs, and whether the event loop keeps serving meanwhile. Starts the real server once per
// ENGINE_CONCURRENCY x WHISPER_THREADS setting, keeps it decoding jfk.wav (full 30 s window) from concurrency + 1
// clients, and samples GET /health latency every 50 ms meanwhile. Settings are interleaved round by round (A B C D
// A B C D ...) so a change in the machine's load hits them all alike; each row is the median over rounds.
// Then: how long a running decode takes to stop (and give its CPU back) after its AbortSignal fires.
//
// --spin lists WHISPER_SPIN_YIELD values to compare (0 = ggml's own busy spin), --nice WHISPER_NICE values.
// usage: npm run bench:event-loop -- [--configs 1x2,2x1,2x2,4x2] [--spin 0,256] [--nice 10] [--seconds 10] [--rounds 2]
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { generateModel } from '../scripts/generate-model.mjs'
import { Engine } from '../src/engine/engine.ts'
import { createKey, listen, startServer } from './prerecorded/server.ts'
import { loadAverage, log, median, ms, percentile, table } from './prerecorded/stats.ts'
import { SHARED_AUDIO } from './shared-audio.ts'

const { values } = parseArgs({
  options: {
    configs: { type: 'string', default: '1x2,2x1,2x2,4x2' },
    nice: { type: 'string', default: '10' },
    spin: { type: 'string', default: '0,256' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' }
  }
})
const seconds = Number(values.seconds)
const rounds = Number(values.rounds)
const settings = values.configs.split(',').flatMap((c) => {
  const [conc, threads] = c.split('x').map(Number)
  return values.spin.split(',').flatMap((spin) => values.nice.split(',').map((nice) => ({ conc: conc as number, threads: threads as number, nice, spin })))
})
const keyOf = (s: { conc: number, threads: number, nice: string, spin: string }): string => `${s.conc}x${s.threads}@${s.nice}/${s.spin}`
const tmp = mkdtempSync(join(tmpdir(), 'earshot-bench-loop-'))
process.on('exit', () => { rmSync(tmp, { recursive: true, force: true }) })
const modelsDir = join(tmp, 'models')
mkdirSync(modelsDir)
generateModel(join(modelsDir, 'ggml-tiny.en.bin'), { arch: 'tiny.en' })
const jfk = readFileSync(join(SHARED_AUDIO, 'jfk.wav'))
const JFK_SECONDS = 11
const dbEnv = { DATABASE_PATH: join(tmp, 'bench.db') }
const token = await createKey(dbEnv)

interface Sample { throughput: number, p50: number, p99: number, max: number, load: number }
const samples = new Map<string, Sample[]>()
const loads: number[] = []

async function measure (conc: number, threads: number, nice: string, spin: string): Promise<Sample> {
  const server = await startServer({
    ...dbEnv, MODELS_DIR: modelsDir, DEFAULT_MODEL: 'tiny.en', AUTO_DOWNLOAD_MODEL: 'false', ENGINE_CONCURRENCY: String(conc),
    WHISPER_THREADS: String(threads), WHISPER_NICE: nice, WHISPER_SPIN_YIELD: spin, QUEUE_MAX: '64', RATE_LIMIT_MAX: '1000000000', LOG_LEVEL: 'warn'
  })
  try {
    await listen(server.base, token, jfk) // warm: the first decode allocates a state
    const started = performance.now()
    const until = Date.now() + seconds * 1000
    let decoded = 0
    const clients = Array.from({ length: conc + 1 }, async () => {
      while (Date.now() < until) { await listen(server.base, token, jfk); decoded++ }
    })
    const health: number[] = []
    while (Date.now() < until) {
      const t = performance.now()
      await fetch(`${server.base}/health`).then(async (r) => await r.text())
      health.push(performance.now() - t)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await Promise.all(clients)
    const elapsed = (performance.now() - started) / 1000 // includes the decodes in flight at the deadline
    const load = Number(loadAverage().split(' ')[0])
    return { throughput: decoded * JFK_SECONDS / elapsed, p50: median(health), p99: percentile(health, 99), max: Math.max(...health), load }
  } finally {
    await server.stop()
  }
}

for (let round = 0; round < rounds; round++) {
  for (const setting of settings) {
    const { conc, threads, nice, spin } = setting
    const key = keyOf(setting)
    const s = await measure(conc, threads, nice, spin)
    loads.push(s.load)
    log(`round ${round + 1} ${conc} × ${threads} nice ${nice} spin-yield ${spin}: ${s.throughput.toFixed(2)} audio-s/s, /health p50 ${ms(s.p50)} p99 ${ms(s.p99)}, load ${s.load}`)
    samples.set(key, [...(samples.get(key) ?? []), s])
  }
}
const first = settings[0]
const base = first ? median((samples.get(keyOf(first)) ?? []).map((s) => s.throughput)) : NaN
const rows = settings.map((setting) => {
  const ss = samples.get(keyOf(setting)) ?? []
  const tp = median(ss.map((s) => s.throughput))
  return [`${setting.conc} × ${setting.threads}`, setting.spin, setting.nice, tp.toFixed(2), (tp / base).toFixed(2), ms(median(ss.map((s) => s.p50))), ms(median(ss.map((s) => s.p99))), ms(Math.max(...ss.map((s) => s.max)))]
})

// cancellation: abort a 150 s full-window decode at a few points, time until its promise rejects (worker done)
const engine = new Engine({ modelsDir, defaultModel: 'tiny.en', concurrency: 1, threads: settings[0]?.threads ?? 2, queueMax: 4, maxLoadedModels: 1, defaultAudioCtx: 0 })
await engine.ready()
const stops: number[] = []
for (let i = 0; i < 3; i++) {
  const ctrl = new AbortController()
  const run = engine.transcribe(new Float32Array(150 * 16000).map((_, k) => 0.1 * Math.sin(k / 7)), { model: await engine.models.describeModel(), signal: ctrl.signal })
  await new Promise((resolve) => setTimeout(resolve, 500 + 700 * i))
  const t = performance.now()
  ctrl.abort()
  await run.catch(() => {})
  stops.push(performance.now() - t)
}
await engine.close()
process.stdout.write(`${availableParallelism()} cores, ${rounds} rounds of ${seconds} s per setting, interleaved; ` +
  `1-min load average during the rows ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}\n\n` +
  table(['ENGINE_CONCURRENCY × WHISPER_THREADS', 'WHISPER_SPIN_YIELD', 'WHISPER_NICE', 'audio-s/s', `vs ${first?.conc} × ${first?.threads}`, '/health p50', 'p99', 'max'], rows) +
  `\n\nabort of a running decode -> its promise rejected (decode threads stopped): ${stops.map((x) => ms(x)).join(', ')}\n`)
process.exit(0)
