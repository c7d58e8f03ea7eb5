// Live streaming latency: the real server (src/server.ts, a child process) with a synthetic tiny.en model (real
// tiny.en shapes, so every decode costs what a real one does; its decoder says a fixed phrase), driven by WebSocket
// clients that stream ../shared/audio/jfk.wav and the LibriVox clips at 1x real time as linear16 in 20 ms frames,
// with interim_results=true, at 1, 2 and 4 concurrent streams.
//
// Each stream plays every clip once (each stream in a different order, so endpoints do not line up across
// streams), with 1.5 s of silence after each, then sends CloseStream. For every final Results it records
//   final latency = arrival time - send time of the frame holding the last audio the final covers (start+duration)
// which is what the server adds once an utterance has ended (decode, queueing behind other streams, transport);
// the endpointing pause itself (>= 200 ms of silence, MIN_ENDPOINT_MS) comes before that point. Interim cadence
// is the time between consecutive interim Results of the same utterance.
//
// A last row streams once more with audio_ctx=0 (whisper's full 30 s window per decode) to show what the reduced
// encoder context buys (--skip-full-window leaves it out).
//
// usage: npm run bench:streaming -- [--streams 1,2,4] [--threads 2] [--chunk-ms 20] [--quick] [--skip-full-window]
//        [--log-level warn]
// The report (markdown) goes to stdout, progress to stderr; it exits by itself and leaves nothing behind.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { parseArgs } from 'node:util'
import { modelPath } from './prerecorded/model.ts'
import { createKey, startServer, type RunningServer } from './prerecorded/server.ts'
import { loadAverage, machine, median, percentile, table } from './prerecorded/stats.ts'
import { RATE, readWav } from './prerecorded/wav.ts'
import { streamProgram, type StreamReport } from './streaming/client.ts'
import { SHARED_AUDIO } from './shared-audio.ts'

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '1,2,4' },
    threads: { type: 'string', default: '2' },
    'chunk-ms': { type: 'string', default: '20' },
    quick: { type: 'boolean', default: false },
    'skip-full-window': { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'warn' },
    help: { type: 'boolean', short: 'h', default: false }
  },
  strict: true
})
if (values.help) {
  process.stdout.write('usage: npm run bench:streaming -- [--streams 1,2,4] [--threads 2] [--chunk-ms 20] [--quick] ' +
    '[--skip-full-window] [--log-level warn]\n')
  process.exit(0)
}
const log = (msg: string): void => { process.stderr.write(`[bench:streaming] ${msg}\n`) }
const streamCounts = String(values.streams).split(',').map(Number)
if (streamCounts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--streams: a list of positive integers')
const threads = Number(values.threads)
const chunkMs = Number(values['chunk-ms'])
if (![10, 20, 40, 100].includes(chunkMs)) throw new Error('--chunk-ms: 10, 20, 40 or 100')

const AUDIO = SHARED_AUDIO
const SILENCE_AFTER = 1.5

// ---------------------------------------------------------------------------------------------- setup
const cachedModel = modelPath('tiny.en', log)
const tmp = mkdtempSync(join(tmpdir(), 'earshot-bench-streaming-'))
process.on('exit', () => { rmSync(tmp, { recursive: true, force: true }) })
mkdirSync(join(tmp, 'models'))
copyFileSync(cachedModel, join(tmp, 'models', 'ggml-tiny.en.bin'))

const librivox = readdirSync(join(AUDIO, 'librivox')).filter((f) => f.endsWith('.wav')).sort().map((f) => join(AUDIO, 'librivox', f))
const clipPaths = [join(AUDIO, 'jfk.wav'), ...librivox].slice(0, values.quick ? 2 : undefined)
const clips = clipPaths.map((path) => {
  const wav = readWav(path)
  if (wav.rate !== RATE || wav.channels !== 1) throw new Error(`${path}: expected 16 kHz mono`)
  return { name: basename(path, '.wav'), samples: wav.samples }
})

/** Stream i plays the clips starting from clip i, each followed by silence. */
function program (i: number): Int16Array {
  const order = clips.map((_, k) => clips[(k + i) % clips.length] as typeof clips[number])
  const gap = new Int16Array(Math.round(SILENCE_AFTER * RATE))
  const parts = order.flatMap((c) => [c.samples, gap])
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}

const dbEnv = { DATABASE_PATH: join(tmp, 'bench.db') }
const token = await createKey(dbEnv)
const serverEnv: Record<string, string> = {
  ...dbEnv,
  MODELS_DIR: join(tmp, 'models'),
  DEFAULT_MODEL: 'tiny.en',
  AUTO_DOWNLOAD_MODEL: 'false',
  ENGINE_CONCURRENCY: '1',
  WHISPER_THREADS: String(threads),
  RATE_LIMIT_MAX: '1000000000',
  LOG_LEVEL: String(values['log-level'])
}

// ---------------------------------------------------------------------------------------------- run
const fmt = (x: number): string => Number.isFinite(x) ? `${(x / 1000).toFixed(2)} s` : '-'
const rows: string[][] = []
const loadStart = loadAverage()
log(`load average at start: ${loadStart} (${machine()})`)
const programSeconds = program(0).length / RATE
let server: RunningServer | undefined
try {
  log(`starting earshot (ENGINE_CONCURRENCY=1, WHISPER_THREADS=${threads})...`)
  server = await startServer(serverEnv)
  const url = `${server.base.replace(/^http/, 'ws')}/v1/listen?encoding=linear16&sample_rate=16000&interim_results=true`
  log('warm-up stream...')
  await streamProgram({ url, token, samples: program(0).subarray(0, 4 * RATE), chunkMs, realtime: false })

  const runs = streamCounts.map((n) => ({ n, label: String(n), url }))
  if (!values['skip-full-window']) runs.push({ n: 1, label: '1, audio_ctx=0', url: `${url}&audio_ctx=0` })
  for (const { n, label, url: runUrl } of runs) {
    log(`${label} concurrent stream(s) of ${programSeconds.toFixed(1)} s at 1x real time...`)
    const loadBefore = loadAverage()
    const reports: StreamReport[] = await Promise.all(Array.from({ length: n }, (_, i) =>
      streamProgram({ url: runUrl, token, samples: program(i), chunkMs, realtime: true })))
    const finals = reports.flatMap((r) => r.finalLatencies)
    const intervals = reports.flatMap((r) => r.interimIntervals)
    const interims = reports.reduce((s, r) => s + r.interims, 0)
    const speechSeconds = reports.reduce((s, r) => s + r.finalSeconds, 0)
    rows.push([
      label, String(finals.length), fmt(median(finals)), fmt(percentile(finals, 95)), fmt(Math.max(...finals)),
      String(interims), fmt(median(intervals)), fmt(percentile(intervals, 95)),
      (interims / speechSeconds).toFixed(2), `${loadBefore} / ${loadAverage()}`
    ])
    log(`  finals p50 ${fmt(median(finals))} p95 ${fmt(percentile(finals, 95))}; ${interims} interims, every ${fmt(median(intervals))} (p50)`)
  }
} finally {
  await server?.stop()
}

process.stdout.write([
  '## Live streaming (bench/streaming.ts)',
  '',
  `Synthetic tiny.en (real shapes and cost), ENGINE_CONCURRENCY=1, WHISPER_THREADS=${threads}, ${machine()}. Each stream: ` +
  `${clips.length} clips (${clips.map((c) => c.name).join(', ')}) with ${SILENCE_AFTER} s of silence after each, ` +
  `${programSeconds.toFixed(1)} s, sent at 1x real time as linear16 in ${chunkMs} ms frames, interim_results=true, default ` +
  'endpointing. Final latency = final Results arrival - send time of the last audio it covers.',
  '',
  table(['streams', 'finals', 'final p50', 'final p95', 'final max', 'interims', 'interim interval p50', 'interim interval p95',
    'interims per s of speech', 'load avg (1/5/15 min) before / after'], rows),
  ''
].join('\n') + '\n')
