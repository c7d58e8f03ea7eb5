// Does the event loop keep serving while decodes keep every core busy? Starts the real server with
// ENGINE_CONCURRENCY x WHISPER_THREADS >= the cores, keeps it decoding jfk.wav from several clients, and samples
// GET /health latency meanwhile; once with the decode threads at the server's priority (WHISPER_NICE=0) and once
// lowered (the default 10). Also reports decode throughput, to show what oversubscription costs, and how long
// a running decode takes to stop (and give its CPU back) after its AbortSignal fires.
//
// usage: npm run bench:event-loop -- [--seconds 20] [--concurrency 2] [--threads 2]
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { generateModel } from '../scripts/generate-model.mjs'
import { Engine } from '../src/engine/engine.ts'
import { createKey, listen, startServer } from './prerecorded/server.ts'
import { loadAverage, log, median, ms, percentile, table } from './prerecorded/stats.ts'

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, concurrency: { type: 'string', default: '2' }, threads: { type: 'string', default: '2' } } })
const seconds = Number(values.seconds)
const conc = Number(values.concurrency)
const threads = Number(values.threads)
const tmp = mkdtempSync(join(tmpdir(), 'earshot-bench-loop-'))
process.on('exit', () => { rmSync(tmp, { recursive: true, force: true }) })
const modelsDir = join(tmp, 'models')
mkdirSync(modelsDir)
generateModel(join(modelsDir, 'ggml-tiny.en.bin'), { arch: 'tiny.en' })
const jfk = readFileSync('/work/shared/audio/jfk.wav')
const dbEnv = { DATABASE_PATH: join(tmp, 'bench.db') }
const token = await createKey(dbEnv)
const rows: string[][] = []
for (const nice of ['0', '10']) {
  const server = await startServer({
    ...dbEnv, MODELS_DIR: modelsDir, DEFAULT_MODEL: 'tiny.en', AUTO_DOWNLOAD_MODEL: 'false', ENGINE_CONCURRENCY: String(conc),
    WHISPER_THREADS: String(threads), WHISPER_NICE: nice, QUEUE_MAX: '64', RATE_LIMIT_MAX: '1000000000', LOG_LEVEL: 'warn'
  })
  try {
    await listen(server.base, token, jfk)
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
    log(`WHISPER_NICE=${nice}: ${decoded} decodes, /health p50 ${ms(median(health))} p99 ${ms(percentile(health, 99))}`)
    rows.push([nice, `${conc} × ${threads} on ${availableParallelism()} cores`, String(decoded), (decoded * 11 / seconds).toFixed(2),
      ms(median(health)), ms(percentile(health, 99)), ms(Math.max(...health))])
  } finally {
    await server.stop()
  }
}
// cancellation: abort a 150 s full-window decode at a random point, time until its promise rejects (worker done)
const engine = new Engine({ modelsDir, defaultModel: 'tiny.en', concurrency: 1, threads, queueMax: 4, maxLoadedModels: 1, defaultAudioCtx: 0 })
await engine.ready()
const stops: number[] = []
for (let i = 0; i < 3; i++) {
  const ctrl = new AbortController()
  const run = engine.transcribe(new Float32Array(150 * 16000).map((_, k) => 0.1 * Math.sin(k / 7)), { signal: ctrl.signal })
  await new Promise((resolve) => setTimeout(resolve, 500 + 700 * i))
  const t = performance.now()
  ctrl.abort()
  await run.catch(() => {})
  stops.push(performance.now() - t)
}
await engine.close()
process.stdout.write(`load average ${loadAverage()}\n\n` + table(['WHISPER_NICE', 'ENGINE_CONCURRENCY × WHISPER_THREADS', 'jfk decodes', 'audio-s/s', '/health p50', 'p99', 'max'], rows) +
  `\n\nabort of a running decode -> its promise rejected (decode threads stopped): ${stops.map((x) => ms(x)).join(', ')}\n`)
process.exit(0)
