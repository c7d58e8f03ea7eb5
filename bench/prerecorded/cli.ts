// Runs whisper.cpp's CLI (whisper-cli v1.9.1, or the previous engine's `main`; both built by
// scripts/build-whisper-bench.mjs) and parses whisper_print_timings.
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { killOnExit } from './server.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))

export interface Anchors { cli: string, server: string, oldMain: string, cflags: string }

/** Builds (or reuses, when the flags are unchanged) whisper-cli, whisper-server and the previous engine's main. */
export function buildAnchors (): Anchors {
  const res = spawnSync(process.execPath, [join(root, 'scripts/build-whisper-bench.mjs')], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024
  })
  if (res.status !== 0) throw new Error(`scripts/build-whisper-bench.mjs failed (exit ${res.status ?? res.signal})`)
  return JSON.parse(res.stdout.trim().split('\n').at(-1) as string) as Anchors
}

export interface CliTimings {
  loadMs: number
  melMs: number
  sampleMs: number
  encodeMs: number
  decodeMs: number
  batchdMs: number
  promptMs: number
  totalMs: number
  fallbacks: string
}

export interface CliRun {
  /** spawn -> exit, measured here: process start + model load + state init + compute + output + exit. */
  wallMs: number
  timings: CliTimings
  /** total - load: everything after the model file is loaded (state init, WAV read, whisper_full, output). */
  computeMs: number
  /** mel + sample + encode + decode + batchd + prompt: whisper's own per-stage timers only. */
  stagesMs: number
  text: string
  systemInfo: string
  /** e.g. "2 threads, 1 processors, 1 beams + best of 1, lang = en, task = transcribe, timestamps = 1" */
  runInfo: string
}

export interface CliOptions {
  threads: number
  /** 0 = full 30 s window */
  audioCtx: number
  /** output base path for -ojf (a JSON file is written there) */
  outBase: string
}

/**
 * The CLI arguments that make whisper.cpp's main do the engine's work (src/engine/engine.ts):
 * greedy (-bs 1 selects WHISPER_SAMPLING_GREEDY in main; -bo 1 = the engine's effective best_of), timestamps on
 * (no -nt: -nt would also change decoding), token timestamps on (-ojf turns on wparams.token_timestamps without
 * -ml's segment wrapping; it writes a JSON file with per-token times, the counterpart of the server's JSON reply),
 * English, the same thread count and audio_ctx. No -np: it would also hide whisper_print_timings.
 */
export function cliArgs (model: string, wav: string, o: CliOptions): string[] {
  return ['-m', model, '-f', wav, '-t', String(o.threads), '-bs', '1', '-bo', '1', '-l', 'en',
    '-ac', String(o.audioCtx), '-ojf', '-of', o.outBase]
}

const num = (text: string, label: string): number => {
  const m = new RegExp(`whisper_print_timings:\\s+${label} time =\\s*([0-9.]+) ms`).exec(text)
  if (!m) throw new Error(`whisper CLI output has no "${label} time" line`)
  return Number(m[1])
}

export function parseTimings (stderr: string): CliTimings {
  return {
    loadMs: num(stderr, 'load'),
    melMs: num(stderr, 'mel'),
    sampleMs: num(stderr, 'sample'),
    encodeMs: num(stderr, 'encode'),
    decodeMs: num(stderr, 'decode'),
    batchdMs: num(stderr, 'batchd'),
    promptMs: num(stderr, 'prompt'),
    totalMs: num(stderr, 'total'),
    fallbacks: (/fallbacks =\s*(.+)$/m.exec(stderr)?.[1] ?? '?').trim()
  }
}

export async function runCli (exe: string, model: string, wav: string, o: CliOptions): Promise<CliRun> {
  const args = cliArgs(model, wav, o)
  const started = performance.now()
  const child = spawn(exe, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  killOnExit(child)
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const code = await new Promise<number | string>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (c, signal) => resolve(c ?? signal ?? 'unknown'))
  })
  const wallMs = performance.now() - started
  if (code !== 0) throw new Error(`${exe} ${args.join(' ')} exited with ${code}:\n${stderr.split('\n').slice(-15).join('\n')}`)
  const timings = parseTimings(stderr)
  const text = stdout.split('\n')
    .map((l) => /^\[[^\]]+\]\s*(.*)$/.exec(l)?.[1])
    .filter((t): t is string => t !== undefined)
    .join(' ').replace(/\s+/g, ' ').trim()
  return {
    wallMs,
    timings,
    computeMs: timings.totalMs - timings.loadMs,
    stagesMs: timings.melMs + timings.sampleMs + timings.encodeMs + timings.decodeMs + timings.batchdMs + timings.promptMs,
    text,
    systemInfo: (/^system_info: (.*)$/m.exec(stderr)?.[1] ?? '').trim(),
    runInfo: (/^main: processing '.*?' \(.*?\), (.*?)\s*\.\.\.$/m.exec(stderr)?.[1] ?? '').trim()
  }
}
