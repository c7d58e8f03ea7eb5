// Pre-recorded transcription: the earshot server (real src/server.ts, a child process, resident model) against
// whisper.cpp's own `whisper-cli` and `whisper-server`, built from the same whisper.cpp v1.9.1 source with the same
// SIMD flags as the addon (scripts/build-whisper-bench.mjs; needs cmake, benchmarks only), measured side by side in
// one run on the same synthetic model (real shapes, so compute cost is real; its decoder says a fixed phrase per
// 30 s window).
//
//   a. one 11 s file (jfk.wav), warm model: server wall (client side) vs whisper-cli's compute time (total − load),
//      interleaved reps; then 20 clips of 3 s: server vs one whisper-cli process per clip (info)
//   b. earshot vs whisper-server (whisper.cpp's own HTTP server, resident model): jfk.wav reps and 20 clips of 3 s
//   c. the new engine vs the previous one (smart-whisper 0.8.1's whisper.cpp `main`, same flags), f16 base.en
//   d. 4 concurrent clients: throughput (audio s / wall s) and latency, ENGINE_CONCURRENCY x WHISPER_THREADS
//   e. server RSS after warm-up and after N more requests (default 1000)
//
// usage: npm run bench:prerecorded -- [--threads 2] [--quick] [--only a,b,c,d,e] [--reps 9] [--clips 20] [--rounds 3]
//        [--requests 24] [--rss-requests 1000] [--c-arch base.en] [--log-level warn]
// The machine may be shared: each section's load average is reported, (a) is interleaved rep by rep and (b) clip by
// clip (so a burst of someone else's work hits both sides alike), and medians are reported.
// The report (markdown) goes to stdout, progress to stderr. Needs no stdin; cleans up its temp dir and servers.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { parseArgs } from 'node:util'
import { readBuildInfo } from '../src/engine/build-info.ts'
import { effectiveAudioCtx } from '../src/engine/engine.ts'
import { buildAnchors, cliArgs, runCli, type CliRun } from './prerecorded/cli.ts'
import { modelPath } from './prerecorded/model.ts'
import { createKey, listen, startServer, type RunningServer } from './prerecorded/server.ts'
import { loadAverage, log, machine, median, ms, percentile, ratio, sec, sum, table } from './prerecorded/stats.ts'
import { RATE, cutClips, readWav, writeWav } from './prerecorded/wav.ts'
import { TranscriptCheck } from './prerecorded/transcripts.ts'
import { inference, startWhisperServer } from './prerecorded/whisper-server.ts'
import { SHARED_AUDIO } from './shared-audio.ts'

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string', default: 'a,b,c,d,e' },
    'c-arch': { type: 'string' },
    reps: { type: 'string' },
    clips: { type: 'string' },
    rounds: { type: 'string' },
    requests: { type: 'string' },
    'rss-requests': { type: 'string' },
    'log-level': { type: 'string', default: 'warn' },
    help: { type: 'boolean', short: 'h', default: false }
  },
  strict: true
})
if (values.help) {
  process.stdout.write('usage: npm run bench:prerecorded -- [--threads N] [--quick] [--only a,b,c,d] [--reps N] [--clips N] [--rounds N] ' +
    '[--requests N] [--rss-requests N] [--log-level warn]\n')
  process.exit(0)
}
const posInt = (name: string, v: string | undefined, dflt: number): number => {
  if (v === undefined) return dflt
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer (got '${v}')`)
  return n
}
const quick = values.quick
const threads = posInt('threads', values.threads, 2)
const reps = posInt('reps', values.reps, quick ? 3 : 9)
const clipCount = posInt('clips', values.clips, quick ? 4 : 20)
const rounds = posInt('rounds', values.rounds, quick ? 1 : 3)
const requestsC = posInt('requests', values.requests, quick ? 8 : 24)
const rssRequests = posInt('rss-requests', values['rss-requests'], quick ? 40 : 1000)
const sections = new Set(String(values.only).split(',').map((s) => s.trim().toLowerCase()).filter(Boolean))
for (const s of sections) if (!['a', 'b', 'c', 'd', 'e'].includes(s)) throw new Error(`--only: unknown section '${s}' (a, b, c, d, e)`)
const cArch = (values['c-arch'] ?? (quick ? 'tiny.en' : 'base.en')) as 'tiny.en' | 'base.en'

const AUDIO = SHARED_AUDIO
const JFK = join(AUDIO, 'jfk.wav')
const LIBRIVOX = join(AUDIO, 'librivox')
const CLIENTS_C = 4
const CLIENTS_D = 2

const loadStart = loadAverage()
const startedAt = Date.now()
log(`load average at start: ${loadStart} (${machine()})`)

// ---------------------------------------------------------------------------------------------- setup
const anchors = buildAnchors()
const cli = { path: anchors.cli, cflags: anchors.cflags }

const cachedModelFor = (arch: 'tiny.en' | 'base.en'): string => modelPath(arch, log)
const cachedModel = cachedModelFor('tiny.en')

const tmp = mkdtempSync(join(tmpdir(), 'earshot-bench-prerecorded-'))
process.on('exit', () => { rmSync(tmp, { recursive: true, force: true }) })
const modelsDir = join(tmp, 'models')
mkdirSync(modelsDir)
const model = join(modelsDir, 'ggml-tiny.en.bin') // the server and the CLI read the very same file
copyFileSync(cachedModel, model)
const cliOut = join(tmp, 'cli-out')
mkdirSync(cliOut)

// inputs: the 3 s clips (b, d) written as WAV into the run's temp dir, whole files for (a) and (c)
const librivoxFiles = readdirSync(LIBRIVOX).filter((f) => f.endsWith('.wav')).sort().map((f) => join(LIBRIVOX, f))
const sources = [JFK, ...librivoxFiles].map((p) => ({ name: basename(p, '.wav'), path: p, pcm: readWav(p) }))
const clipDir = join(tmp, 'clips') // per run: two runs at once must not rewrite each other's inputs
mkdirSync(clipDir)
const clips = cutClips(sources, Math.max(clipCount, 20), 3).map((c, i) => {
  const path = join(clipDir, `clip-${String(i).padStart(2, '0')}.wav`)
  writeWav(path, c.samples)
  return { ...c, path, bytes: readFileSync(path), seconds: c.samples.length / RATE }
})
const files = sources.map((s) => ({ ...s, bytes: readFileSync(s.path), seconds: s.pcm.samples.length / RATE }))
const jfk = files[0] as typeof files[number]

const dbEnv = { DATABASE_PATH: join(tmp, 'bench.db') }
const token = await createKey(dbEnv)
const serverEnv = (concurrency: number, whisperThreads: number, dir = modelsDir, name = 'tiny.en'): Record<string, string> => ({
  ...dbEnv,
  MODELS_DIR: dir,
  DEFAULT_MODEL: name,
  AUTO_DOWNLOAD_MODEL: 'false',
  MAX_LOADED_MODELS: '1',
  ENGINE_CONCURRENCY: String(concurrency),
  WHISPER_THREADS: String(whisperThreads),
  QUEUE_MAX: '256',
  // The anchors' compute threads run at this process's priority; so do earshot's here (its default lowers them by
  // 10 to keep the event loop ahead). On a shared machine a nice-10 decode would lose CPU the anchors keep.
  WHISPER_NICE: '0',
  DEFAULT_AUDIO_CTX: '0',
  // Like for like: the anchors decode every second (whisper.cpp's own VAD is off unless asked), so does earshot here.
  // With VAD on, the speech regions alone reach the engine (bench/vad measures that path).
  VAD: 'false',
  RATE_LIMIT_MAX: '1000000000',
  LOG_LEVEL: String(values['log-level'])
})
const cliOpts = (audioCtx: number, tag: string) => ({ threads, audioCtx, outBase: join(cliOut, tag) })
/** Runs `a` and `b` in turn, `a` first on even `i`: drift on a shared machine hits both sides alike (ABBA...). */
async function pair<A, B> (i: number, a: () => Promise<A>, b: () => Promise<B>): Promise<[A, B]> {
  if (i % 2 === 0) { const x = await a(); return [x, await b()] }
  const y = await b()
  return [await a(), y]
}

const report: string[] = []
const summary: string[][] = []
let cliSystemInfo = ''
let cliRunInfo = ''

async function withServer<T> (concurrency: number, whisperThreads: number, fn: (s: RunningServer) => Promise<T>,
  env = serverEnv(concurrency, whisperThreads)): Promise<T> {
  log(`starting earshot (ENGINE_CONCURRENCY=${concurrency}, WHISPER_THREADS=${whisperThreads}, model ${env.DEFAULT_MODEL})...`)
  const server = await startServer(env)
  try {
    return await fn(server)
  } finally {
    await server.stop()
  }
}

/** `clients` loops each taking the next request index until `total` are done; returns per-request facts. */
async function drive (clients: number, total: number, next: (i: number) => Promise<{ ms: number, audioSeconds: number }>,
  onDone?: (done: number) => void) {
  let issued = 0
  let done = 0
  const results: Array<{ ms: number, audioSeconds: number }> = []
  const started = performance.now()
  await Promise.all(Array.from({ length: clients }, async () => {
    while (issued < total) {
      const i = issued++
      results.push(await next(i))
      done++
      onDone?.(done)
    }
  }))
  return { results, wallMs: performance.now() - started }
}

// ---------------------------------------------------------------------------------------------- a + b
if (sections.has('a')) {
  await withServer(1, threads, async (server) => {
    if (sections.has('a')) {
      const loadBefore = loadAverage()
      log(`(a) jfk.wav (${jfk.seconds.toFixed(1)} s): warm-up, then ${reps} interleaved reps per side`)
      await listen(server.base, token, jfk.bytes)
      await listen(server.base, token, jfk.bytes)
      const warmCli = await runCli(cli.path, model, jfk.path, cliOpts(0, 'a-warm'))
      cliSystemInfo = warmCli.systemInfo
      cliRunInfo = warmCli.runInfo
      const serverMs: number[] = []
      const cliRuns: CliRun[] = []
      const check = new TranscriptCheck()
      for (let r = 0; r < reps; r++) {
        const doServer = async () => {
          const res = await listen(server.base, token, jfk.bytes)
          serverMs.push(res.ms)
          return res.transcript
        }
        const doCli = async () => {
          const run = await runCli(cli.path, model, jfk.path, cliOpts(0, `a-${r}`))
          cliRuns.push(run)
          return run.text
        }
        const [st, ct] = await pair(r, doServer, doCli)
        check.compare(`jfk rep ${r + 1}`, st, ct)
        log(`  rep ${r + 1}: server ${ms(serverMs.at(-1) as number)} | CLI total-load ${ms((cliRuns.at(-1) as CliRun).computeMs)} ` +
          `(stages ${ms((cliRuns.at(-1) as CliRun).stagesMs)}, process ${ms((cliRuns.at(-1) as CliRun).wallMs)})`)
      }
      const sMed = median(serverMs)
      const cCompute = median(cliRuns.map((c) => c.computeMs))
      const cStages = median(cliRuns.map((c) => c.stagesMs))
      const cWall = median(cliRuns.map((c) => c.wallMs))
      const t = (k: keyof CliRun['timings']) => median(cliRuns.map((c) => c.timings[k] as number))
      summary.push(
        ['a', `jfk.wav ${jfk.seconds.toFixed(1)} s, full window, warm model; median of ${reps}`, `${ms(sMed)} client wall`,
          `${ms(cCompute)} total − load`, ratio(sMed / cCompute), '≤ 1.03', sMed / cCompute <= 1.03 ? 'yes' : 'no'],
        ['a', '… same, vs the CLI\'s stage timers only (strict)', `${ms(sMed)}`, `${ms(cStages)} mel+sample+encode+decode`,
          ratio(sMed / cStages), '(info)', '']
      )
      const pairRatios = serverMs.map((x, i) => x / (cliRuns[i] as CliRun).computeMs)
      summary.push(['a', '… median of the per-rep ratios (server / adjacent CLI run, total − load)', '', '', ratio(median(pairRatios)), '(info)', ''])
      report.push(`### (a) one 11 s request, warm model (${reps} interleaved reps each, medians; load average before ${loadBefore}, after ${loadAverage()})\n`,
        table(['side', 'median', 'all reps', 'what is timed'], [
          ['earshot POST /v1/listen', ms(sMed), serverMs.map((x) => x.toFixed(0)).join(', '),
            'client side: request sent -> full JSON response received (HTTP, WAV decode, whisper_full, words/JSON)'],
          ['whisper.cpp main: total − load', ms(cCompute), cliRuns.map((c) => c.computeMs.toFixed(0)).join(', '),
            'whisper_print_timings total minus load: state init (KV caches, compute buffers), WAV read, whisper_full, output JSON'],
          ['whisper.cpp main: stage timers', ms(cStages), cliRuns.map((c) => c.stagesMs.toFixed(0)).join(', '),
            `mel ${ms(t('melMs'))} + sample ${ms(t('sampleMs'))} + encode ${ms(t('encodeMs'))} + decode ${ms(t('decodeMs'))} (+ batchd/prompt ${ms(t('batchdMs') + t('promptMs'))})`],
          ['whisper.cpp main: whole process', ms(cWall), cliRuns.map((c) => c.wallMs.toFixed(0)).join(', '),
            `spawn -> exit (model load ${ms(t('loadMs'))} included); fallbacks ${cliRuns[0]?.timings.fallbacks ?? '?'}`]
        ]),
        `\nTranscripts identical on both sides: ${check.describe()}.\n`)
    }

    {
      const bClips = clips.slice(0, clipCount)
      const bAudio = sum(bClips.map((c) => c.seconds))
      const loadBefore = loadAverage()
      log(`(b) ${bClips.length} clips of 3 s in sequence, full window and audio_ctx, interleaved per clip, ${rounds} round(s)`)
      // warm-up: one of each, so neither side's first run (page cache, JIT) lands in the totals
      await listen(server.base, token, (bClips[0] as typeof bClips[number]).bytes, { audio_ctx: 'auto' })
      await runCli(cli.path, model, (bClips[0] as typeof bClips[number]).path, cliOpts(0, 'b-warm'))
      interface Round { server: number, cli: number, cliLoad: number, cliCompute: number, pairRatios: number[] }
      const modes = ['full', 'ctx'] as const
      const byMode: Record<typeof modes[number], Round[]> = { full: [], ctx: [] }
      const ctxs = new Set<number>()
      const check = new TranscriptCheck()
      for (let round = 0; round < rounds; round++) {
        for (const mode of modes) {
          const serverMs: number[] = []
          const cliRuns: CliRun[] = []
          for (const [i, clip] of bClips.entries()) {
            // the N the server's `auto` picks for this clip (src/engine/engine.ts), given to the CLI as -ac N
            const n = mode === 'full' ? 0 : effectiveAudioCtx('auto', clip.samples.length / RATE)
            if (mode === 'ctx') ctxs.add(n)
            const doServer = async () => {
              const x = await listen(server.base, token, clip.bytes, { audio_ctx: mode === 'full' ? '0' : 'auto' })
              serverMs.push(x.ms)
              return x.transcript
            }
            const doCli = async () => {
              const run = await runCli(cli.path, model, clip.path, cliOpts(n, `b-${mode}-${i}`))
              cliRuns.push(run)
              return run.text
            }
            const [st, ct] = await pair(i + round, doServer, doCli)
            check.compare(`${clip.name} ${mode}`, st, ct)
          }
          const r: Round = {
            server: sum(serverMs),
            cli: sum(cliRuns.map((c) => c.wallMs)),
            cliLoad: sum(cliRuns.map((c) => c.timings.loadMs)),
            cliCompute: sum(cliRuns.map((c) => c.computeMs)),
            pairRatios: serverMs.map((x, i) => x / (cliRuns[i] as CliRun).wallMs)
          }
          byMode[mode].push(r)
          log(`  round ${round + 1} ${mode}: server ${sec(r.server)} | CLI processes ${sec(r.cli)} ` +
            `(load ${sec(r.cliLoad)}, total−load ${sec(r.cliCompute)}) | ratio ${ratio(r.server / r.cli)}`)
        }
      }
      const rows: string[][] = []
      const med: Record<string, { server: number, cli: number }> = {}
      for (const mode of modes) {
        const rs = byMode[mode]
        const s = median(rs.map((r) => r.server))
        const c = median(rs.map((r) => r.cli))
        const load = median(rs.map((r) => r.cliLoad))
        const compute = median(rs.map((r) => r.cliCompute))
        med[mode] = { server: s, cli: c }
        const n = bClips.length
        const ctxLabel = mode === 'full' ? 'full 30 s window (audio_ctx 0 / -ac 0)' : `server audio_ctx=auto, CLI -ac ${[...ctxs].join('/')}`
        rows.push([ctxLabel, sec(s), ms(s / n), sec(c), ms(c / n),
          `${ms(load / n)} model load + ${ms(compute / n)} total−load + ${ms((c - load - compute) / n)} process start/exit`,
          ratio(s / c), ratio(median(rs.flatMap((r) => r.pairRatios))),
          rs.map((r) => `${(r.server / 1000).toFixed(1)}/${(r.cli / 1000).toFixed(1)}`).join(', ')])
        summary.push(['a', `${n} × 3 s clips in sequence vs a whisper-cli process per clip, ${ctxLabel}${rounds > 1 ? `; median of ${rounds} rounds` : ''}`, sec(s),
          `${sec(c)} (${n} processes)`, ratio(s / c), '(info)', ''])
      }
      const full = med.full
      const ctx = med.ctx
      if (full && ctx) {
        summary.push(['a', '… earshot with audio_ctx=auto vs the CLI as usually run (full window)', sec(ctx.server), sec(full.cli),
          ratio(ctx.server / full.cli), '(info)', ''])
      }
      report.push(`### (a2) ${bClips.length} clips of 3 s in sequence (${bAudio.toFixed(0)} s of audio), interleaved clip by clip, ` +
        `median of ${rounds} round(s) (load average before ${loadBefore}, after ${loadAverage()})\n`,
      table(['audio_ctx', 'earshot total', 'per request', 'CLI total (process per clip)', 'per process', 'CLI per clip (medians)',
        'ratio server/CLI', 'median per-clip ratio', 'rounds (server/CLI s)'], rows),
      '\nServer: client-side time of sequential POST /v1/listen (resident model, a fresh whisper state per request). ' +
        'CLI: spawn -> exit of one `main` per clip: process start, model load (whisper\'s load time), then total−load ' +
        '(state init, WAV read, whisper_full, JSON output), then whisper_free and exit. ' +
        'The per-clip ratio (server request / adjacent CLI process) is less sensitive to bursts of other load. ' +
        `Transcripts identical: ${check.describe()}.\n`)
    }
  })
}

// ---------------------------------------------------------------------------------------------- b
if (sections.has('b')) {
  const loadBefore = loadAverage()
  const bClips = clips.slice(0, clipCount)
  log(`(b) earshot vs whisper-server: jfk.wav ${reps} reps, then ${bClips.length} clips of 3 s, interleaved, full window`)
  const ws = await startWhisperServer(anchors.server, model, threads, 0)
  try {
    await withServer(1, threads, async (server) => {
      await listen(server.base, token, jfk.bytes)
      await inference(ws.base, jfk.bytes)
      const e: number[] = []
      const w: number[] = []
      const check = new TranscriptCheck()
      for (let r = 0; r < reps; r++) {
        const doE = async () => { const x = await listen(server.base, token, jfk.bytes); e.push(x.ms); return x.transcript }
        const doW = async () => { const x = await inference(ws.base, jfk.bytes); w.push(x.ms); return x.text }
        const [et, wt] = await pair(r, doE, doW)
        check.compare(`jfk rep ${r + 1}`, et, wt)
        log(`  jfk rep ${r + 1}: earshot ${ms(e.at(-1) as number)} | whisper-server ${ms(w.at(-1) as number)}`)
      }
      const ce: number[] = []
      const cw: number[] = []
      for (const [i, clip] of bClips.entries()) {
        const doE = async () => { const x = await listen(server.base, token, clip.bytes, { audio_ctx: '0' }); ce.push(x.ms); return x.transcript }
        const doW = async () => { const x = await inference(ws.base, clip.bytes); cw.push(x.ms); return x.text }
        const [et, wt] = await pair(i, doE, doW)
        check.compare(clip.name, et, wt)
      }
      const jr = median(e) / median(w)
      const cr = sum(ce) / sum(cw)
      summary.push(
        ['b', `jfk.wav vs whisper-server POST /inference, median of ${reps}`, ms(median(e)), ms(median(w)), ratio(jr), '≤ 1.0', jr <= 1 ? 'yes' : 'no'],
        ['b', `${bClips.length} × 3 s clips in sequence vs whisper-server, full window`, sec(sum(ce)), sec(sum(cw)), ratio(cr), '≤ 1.0', cr <= 1 ? 'yes' : 'no'])
      report.push(`### (b) earshot vs whisper.cpp's whisper-server (both resident, ${threads} threads, greedy; load average before ${loadBefore}, after ${loadAverage()})\n`,
        table(['input', 'earshot', 'whisper-server', 'ratio'], [
          [`jfk.wav, median of ${reps}`, ms(median(e)), ms(median(w)), ratio(jr)],
          [`${bClips.length} clips of 3 s, total`, sec(sum(ce)), sec(sum(cw)), ratio(cr)]
        ]),
        `\nTranscripts identical: ${check.describe()}. Both client side over HTTP on 127.0.0.1 (earshot: WAV body; whisper-server: multipart). ` +
        'whisper-server does not compute token timestamps; earshot does.\n')
    })
  } finally {
    await ws.stop()
  }
}

// ---------------------------------------------------------------------------------------------- c
if (sections.has('c')) {
  const loadBefore = loadAverage()
  const cDir = join(tmp, 'models-c')
  mkdirSync(cDir)
  const cModel = join(cDir, `ggml-${cArch}.bin`)
  copyFileSync(cachedModelFor(cArch), cModel)
  log(`(c) new engine vs the previous engine (smart-whisper 0.8.1's whisper.cpp main, same flags), ${cArch} f16, jfk.wav, ${reps} reps`)
  await withServer(1, threads, async (server) => {
    await listen(server.base, token, jfk.bytes)
    await runCli(anchors.oldMain, cModel, jfk.path, cliOpts(0, 'c-warm'))
    const e: number[] = []
    const old: CliRun[] = []
    const neu: CliRun[] = []
    const check = new TranscriptCheck()
    for (let r = 0; r < reps; r++) {
      // the old engine alternates with both new-engine runs (earshot, whisper-cli), which keep their own order
      const [[et, nt], ot] = await pair(r, async () => {
        const x = await listen(server.base, token, jfk.bytes)
        e.push(x.ms)
        const n = await runCli(anchors.cli, cModel, jfk.path, cliOpts(0, `c-new-${r}`))
        neu.push(n)
        return [x.transcript, n.text] as const
      }, async () => {
        const o = await runCli(anchors.oldMain, cModel, jfk.path, cliOpts(0, `c-old-${r}`))
        old.push(o)
        return o.text
      })
      check.compare(`jfk rep ${r + 1}, earshot vs previous engine`, et, ot)
      check.compare(`jfk rep ${r + 1}, whisper-cli vs previous engine`, nt, ot)
      log(`  rep ${r + 1}: earshot ${ms(e.at(-1) as number)} | old main total−load ${ms((old.at(-1) as CliRun).computeMs)} | whisper-cli ${ms((neu.at(-1) as CliRun).computeMs)}`)
    }
    const oc = median(old.map((c) => c.computeMs))
    const nc = median(neu.map((c) => c.computeMs))
    const er = median(e) / oc
    summary.push(['c', `new engine (earshot, ${cArch} f16, jfk.wav) vs previous engine (smart-whisper's whisper.cpp main, total − load)`, ms(median(e)), ms(oc), ratio(er), '≤ 0.65', er <= 0.65 ? 'yes' : 'no'],
      ['c', '… whisper-cli v1.9.1 vs the previous engine\'s main (same flags)', ms(nc), ms(oc), ratio(nc / oc), '(info)', ''])
    report.push(`### (c) new engine vs previous engine, ${cArch} f16 (load average before ${loadBefore}, after ${loadAverage()})\n`,
      table(['side', 'median', 'all reps'], [
        ['earshot POST /v1/listen (whisper.cpp v1.9.1 addon)', ms(median(e)), e.map((x) => x.toFixed(0)).join(', ')],
        ['smart-whisper 0.8.1 whisper.cpp main, total − load', ms(oc), old.map((c) => c.computeMs.toFixed(0)).join(', ')],
        ['whisper-cli v1.9.1, total − load', ms(nc), neu.map((c) => c.computeMs.toFixed(0)).join(', ')]
      ]), '\nThe previous engine measured 1.02-1.04x its own main (README history), so its main stands in for it. ' +
      `Transcripts identical: ${check.describe()}.\n`)
  }, serverEnv(1, threads, cDir, cArch))
}

// ---------------------------------------------------------------------------------------------- d
if (sections.has('d')) {
  const configs: Array<[number, number]> = [[1, threads]]
  if (threads > 1) configs.push([threads, 1])
  const rows: string[][] = []
  const totalAudio = sum(files.map((f) => f.seconds))
  const loadBefore = loadAverage()
  log(`(d) ${CLIENTS_C} concurrent clients, ${requestsC} requests per row over ${files.length} files (${files.map((f) => f.seconds.toFixed(1)).join('/')} s), round robin`)
  for (const [conc, thr] of configs) {
    await withServer(conc, thr, async (server) => {
      for (const mode of ['full', 'auto'] as const) {
        const query = { audio_ctx: mode === 'full' ? '0' : 'auto' }
        // warm-up: one request per engine slot
        await Promise.all(Array.from({ length: conc }, (_, i) => listen(server.base, token, (files[i % files.length] as typeof files[number]).bytes, query)))
        const { results, wallMs } = await drive(CLIENTS_C, requestsC, async (i) => {
          const f = files[i % files.length] as typeof files[number]
          const r = await listen(server.base, token, f.bytes, query)
          return { ms: r.ms, audioSeconds: f.seconds }
        })
        const audio = sum(results.map((r) => r.audioSeconds))
        const lat = results.map((r) => r.ms)
        const thru = audio / (wallMs / 1000)
        log(`  ${conc}x${thr} ${mode}: ${thru.toFixed(2)} audio-s/s, p50 ${ms(median(lat))}, p95 ${ms(percentile(lat, 95))}`)
        rows.push([`${conc} × ${thr}`, mode === 'full' ? 'full window' : 'auto', String(results.length), `${audio.toFixed(0)} s`,
          sec(wallMs), thru.toFixed(2), ms(median(lat)), ms(percentile(lat, 95)), ms(Math.max(...lat))])
      }
    })
  }
  report.push(`### (d) ${CLIENTS_C} concurrent clients (jfk + ${librivoxFiles.length} LibriVox files round robin, ${totalAudio.toFixed(1)} s per cycle; ` +
    `load average before ${loadBefore}, after ${loadAverage()})\n`,
  table(['ENGINE_CONCURRENCY × WHISPER_THREADS', 'audio_ctx', 'requests', 'audio', 'wall', 'throughput (audio s / wall s)', 'p50', 'p95', 'max'], rows),
  '\nLatency is client side and includes queueing (4 clients, fewer engine slots).\n')
  for (const r of rows) summary.push(['d', `${CLIENTS_C} clients, ${r[0]}, ${r[1]}`, `${r[5]} audio-s/s, p95 ${r[7]}`, '—', '—', '(info)', ''])
}

// ---------------------------------------------------------------------------------------------- e
if (sections.has('e')) {
  const warm = quick ? 10 : 50
  const loadBefore = loadAverage()
  log(`(e) RSS: ${warm} warm-up requests, then ${rssRequests} more (3 s clips, audio_ctx=auto, ${CLIENTS_D} clients)`)
  await withServer(1, threads, async (server) => {
    const post = async (i: number) => {
      const clip = clips[i % clips.length] as typeof clips[number]
      const r = await listen(server.base, token, clip.bytes, { audio_ctx: 'auto' })
      return { ms: r.ms, audioSeconds: clip.seconds }
    }
    const settle = () => new Promise((resolve) => setTimeout(resolve, 1000))
    const atStart = server.memory()
    await drive(CLIENTS_D, warm, post)
    await settle()
    const afterWarm = server.memory()
    const samples: string[] = []
    const every = Math.max(1, Math.round(rssRequests / 10))
    const { results, wallMs } = await drive(CLIENTS_D, rssRequests, (i) => post(warm + i), (done) => {
      if (done % every === 0 || done === rssRequests) {
        const m = server.memory()
        samples.push(`${done}: ${(m.rssKb / 1024).toFixed(0)}`)
        if (done % (every * 2) === 0) log(`  ${done}/${rssRequests} requests, VmRSS ${(m.rssKb / 1024).toFixed(1)} MB`)
      }
    })
    await settle()
    const after = server.memory()
    const growth = (after.rssKb - afterWarm.rssKb) / afterWarm.rssKb * 100
    const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`
    report.push(`### (e) server memory over ${rssRequests} requests (1 × ${threads}, 3 s clips, audio_ctx=auto, ${CLIENTS_D} clients; ` +
      `load average before ${loadBefore}, after ${loadAverage()})\n`,
    table(['point', 'VmRSS', 'VmHWM (peak)'], [
      ['ready (model loaded, no request yet)', mb(atStart.rssKb), mb(atStart.hwmKb)],
      [`after ${warm} warm-up requests`, mb(afterWarm.rssKb), mb(afterWarm.hwmKb)],
      [`after ${rssRequests} more requests`, mb(after.rssKb), mb(after.hwmKb)]
    ]),
      `\nGrowth after warm-up: ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} % over ${rssRequests} requests ` +
      `(${sec(wallMs)}; latency p50 ${ms(median(results.map((r) => r.ms)))}, p95 ${ms(percentile(results.map((r) => r.ms), 95))}, ` +
      `max ${ms(Math.max(...results.map((r) => r.ms)))}). VmRSS in MB by request count: ${samples.join(', ')}.\n`)
    summary.push(['e', `VmRSS after warm-up -> after ${rssRequests} requests`, `${mb(afterWarm.rssKb)} -> ${mb(after.rssKb)}`, '—',
      `${growth >= 0 ? '+' : ''}${growth.toFixed(1)} %`, '≤ +5 %', growth <= 5 ? 'yes' : 'no'])
  })
}

// ---------------------------------------------------------------------------------------------- report
const loadEnd = loadAverage()
log(`load average at end: ${loadEnd}; took ${((Date.now() - startedAt) / 1000).toFixed(0)} s`)
const build = readBuildInfo()
const out: string[] = [
  `## earshot pre-recorded benchmark${quick ? ' (--quick: few repetitions, noisy)' : ''}`,
  '',
  `- machine: ${machine()}; load average (1/5/15 min) at start **${loadStart}**, at end **${loadEnd}**; ` +
  `run took ${((Date.now() - startedAt) / 1000).toFixed(0)} s`,
  '- model: synthetic tiny.en (scripts/generate-model.mjs: real tiny.en shapes and cost, decoder scripted to one fixed ' +
  '21-token phrase per 30 s window), the same file for both sides',
  `- both sides: ${threads} thread(s), greedy decoding, timestamps and token timestamps on, English, same audio_ctx. ` +
  `earshot: strategy 0, token_timestamps, ${threads} threads per decode. whisper.cpp main: \`${cliArgs('MODEL', 'WAV', cliOpts(0, 'OUT')).join(' ').replace(/ -ac 0/, ' -ac N').replace(join(cliOut, 'OUT'), 'OUT')}\`` +
  (cliRunInfo ? ` (main reports: ${cliRunInfo})` : ''),
  `- same source and flags: whisper.cpp ${build?.whisperVersion ?? '?'} from node_modules/nodejs-whisper; addon flags \`${build?.flags ?? '?'}\`${build && !build.current ? ' (record is stale!)' : ''}; ` +
  `whisper-cli/whisper-server (scripts/build-whisper-bench.mjs) CFLAGS \`${cli.cflags}\``,
  `- whisper system info: addon \`${build?.systemInfo ?? '?'}\`${cliSystemInfo ? `; CLI \`${cliSystemInfo}\`` : ''}`,
  '',
  '### Summary',
  '',
  table(['', 'measure', 'earshot server', 'anchor', 'ratio earshot/anchor', 'target', 'met'], summary),
  '',
  ...report
]
process.stdout.write(out.join('\n') + '\n')
process.exit(0)
