// Where earshot spends time on POST /v1/listen besides whisper_full, stage by stage and in-process, for one file
// (default jfk.wav) on the synthetic tiny.en model: body hash, WAV decode + resample (in the decode worker), the
// engine's queue and state pool around the addon's own timed run, words and text formatting, the Deepgram reply
// and its JSON. CPU time (process.cpuUsage: all threads) is reported next to wall time, because on a shared
// machine wall time mostly measures the neighbours; the stages other than whisper_full are single-threaded.
//
// usage: node bench/prerecorded/overhead.ts [--file WAV] [--iterations 50]
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { closeAudioDecoder, decodeAudio } from '../../src/audio/decode.ts'
import { sha256Hex } from '../../src/audio/hash.ts'
import { Engine } from '../../src/engine/engine.ts'
import { segmentsToWords } from '../../src/transcription/words.ts'
import { deepgramPlanRequest } from '../../src/protocols/deepgram/plan.ts'
import { deepgramReply } from '../../src/protocols/deepgram/plan.ts'
import { listenResponse } from '../../src/protocols/deepgram/response.ts'
import { formatTranscript } from '../../src/transcription/format/index.ts'
import { planTranscription } from '../../src/transcription/plan.ts'
import { transcribe } from '../../src/transcription/transcribe.ts'
import { modelPath } from './model.ts'
import { table } from './stats.ts'
import { SHARED_AUDIO } from '../shared-audio.ts'

const { values } = parseArgs({ options: { file: { type: 'string', default: join(SHARED_AUDIO, 'jfk.wav') }, iterations: { type: 'string', default: '50' } } })
const n = Number(values.iterations)
const bytes = readFileSync(String(values.file))
const tmp = mkdtempSync(join(tmpdir(), 'earshot-overhead-'))
copyFileSync(modelPath('tiny.en'), join(tmp, 'ggml-tiny.en.bin'))
const engine = new Engine({ modelsDir: tmp, defaultModel: 'tiny.en', concurrency: 1, threads: 2, queueMax: 8, maxLoadedModels: 1, defaultAudioCtx: 0, decodeNice: 0 })
await engine.ready()
const plan = await planTranscription(engine.models, deepgramPlanRequest({}, {}))

/** Mean wall and CPU per call over `times` calls (after one unmeasured call). */
async function measure (times: number, fn: () => unknown): Promise<{ wall: number, cpu: number }> {
  await fn()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < times; i++) await fn()
  const wall = (performance.now() - t0) / times
  const c = process.cpuUsage(cpu0)
  return { wall, cpu: (c.user + c.system) / 1000 / times }
}

const rows: string[][] = []
const row = (stage: string, m: { wall: number, cpu: number }, note = ''): void => {
  rows.push([stage, `${m.wall.toFixed(2)} ms`, `${m.cpu.toFixed(2)} ms`, note])
  process.stderr.write(`[overhead] ${stage}: wall ${m.wall.toFixed(2)} ms, cpu ${m.cpu.toFixed(2)} ms\n`)
}
row('sha256 of the body', await measure(n, () => sha256Hex(bytes)))
row('WAV decode + resample (decode worker, round trip)', await measure(n, () => decodeAudio(bytes, { maxSeconds: 7200 })))
const decoded = await decodeAudio(bytes, { maxSeconds: 7200 })
const pcm = decoded.channels[0] as Float32Array

// the engine: wall of engine.transcribe against the addon's own timer around whisper_full (same run)
const runs: Array<{ wall: number, native: number }> = []
for (let i = 0; i < 3; i++) {
  const t0 = performance.now()
  const r = await engine.transcribe(pcm, { model: plan.model })
  runs.push({ wall: performance.now() - t0, native: r.timings?.totalMs ?? NaN })
}
const eng = runs.map((r) => r.wall - r.native).sort((a, b) => a - b)[1] as number
rows.push(['engine.transcribe minus the addon\'s whisper_full timer (queue, pool, pcm copy, results to JS)', `${eng.toFixed(2)} ms`, '—',
  `median of 3; whisper_full itself ${runs.map((r) => r.native.toFixed(0)).join('/')} ms`])

const res = await engine.transcribe(pcm, { model: plan.model })
row('words + text formatting', await measure(n, () => formatTranscript(segmentsToWords(res.segments, { duration: decoded.duration, offset: 0 }).words, plan.text)))
const result = await transcribe(engine, { pcm: [pcm] }, plan)
row('Deepgram reply + JSON.stringify', await measure(n, () => JSON.stringify(listenResponse(result, plan, { requestId: 'x', sha256: 'y', ...deepgramReply({}) }))))

await engine.close()
await closeAudioDecoder()
rmSync(tmp, { recursive: true, force: true })
process.stdout.write(table(['stage', 'wall per call', 'CPU per call (all threads)', ''], rows) + '\n')
