/**
 * The only module that touches the native addon (native/src/, built by scripts/build-whisper.mjs; addon.h says
 * which file owns what).
 *
 * The addon hands token text over as raw bytes (a whisper token can end in the middle of a UTF-8 character);
 * `joinTokenBytes` turns them into strings without ever splitting a character (see token-text.ts).
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { joinTokenBytes } from './token-text.ts'

/** Where scripts/build-whisper.mjs puts the addon. */
export const ADDON_PATH = fileURLToPath(new URL('../../native/build/Release/earshot_whisper.node', import.meta.url))

interface RawToken { id: number, bytes: Buffer, p: number, plog: number, t0: number, t1: number }
interface RawSegment { t0: number, t1: number, text: Buffer, noSpeechProb: number, tokens: RawToken[] }
interface RawResult { segments: RawSegment[], language: string, languageProbability?: number, timings: NativeResult['timings'] }

interface RawModel {
  transcribe(pcm: Float32Array, opts: Record<string, unknown>, onSegment?: (s: RawSegment) => void): [Promise<RawResult>, () => void]
  spectrogram(pcm: Float32Array, opts: { threads: number, energy: boolean, whisperMel: boolean }): NativeSpectrogram
  tokenize(text: string): Int32Array
  info(): { multilingual: boolean, nVocab: number, nAudioCtx: number, eot: number, type: string, ftype: number }
  activeJobs(): number
  free(): void
}

interface NativeAddon {
  loadModel(path: string, opts: { flashAttn?: boolean }): Promise<RawModel>
  systemInfo(): string
  version(): string
  setLogger(fn: ((level: number, line: string) => void) | null): void
  setSpinYield(every: number): boolean
}

export interface NativeToken {
  id: number
  /** Decoded text; '' when the token holds only the start of a character that the next token completes. */
  text: string
  p: number
  plog: number
  /** milliseconds */
  t0: number
  t1: number
}

export interface NativeSegment {
  /** milliseconds */
  t0: number
  t1: number
  text: string
  noSpeechProb: number
  tokens: NativeToken[]
}

export interface NativeResult {
  segments: NativeSegment[]
  language: string
  languageProbability?: number
  /**
   * Milliseconds: the log-mel spectrogram (and the signal energy token timestamps use) of the whole input, which
   * the addon computes abortably before whisper_full (absent with `whisperMel`); language detection; the whole run.
   */
  timings: { totalMs: number, melMs?: number, detectMs?: number }
}

/** What whisper_full decodes: the log-mel spectrogram (nMel rows of nLen frames) and the signal energy. */
export interface NativeSpectrogram {
  nMel: number
  nLen: number
  /** frames of actual audio (the rest is the 30 s of padding whisper appends) */
  nLenOrg: number
  mel: Float32Array
  /** empty unless asked for */
  energy: Float32Array
}

export interface NativeJob {
  pcm: Float32Array
  threads: number
  /** ISO code, or 'auto' */
  language: string
  detectLanguage?: boolean
  /** Text whisper tokenizes itself: at most 1024 bytes (the addon refuses more; see native/src/addon.h). */
  prompt?: string
  /** Or the prompt as token ids (src/engine/tokenizer.ts), at most the model's prompt window. Not with `prompt`. */
  promptTokens?: readonly number[]
  temperature?: number
  task?: 'transcribe' | 'translate'
  audioCtx?: number
  tokenTimestamps?: boolean
  /** Added to the decode threads' nice value (lower scheduling priority than the event loop). */
  nice?: number
  signal?: AbortSignal
  onSegment?: (segment: NativeSegment) => void
  /**
   * Let whisper_full compute the spectrogram itself, as whisper.cpp does, which no abort can stop: the reference
   * the tests compare earshot's abortable spectrogram with. Needs more than 200 samples.
   */
  whisperMel?: boolean
}

/** The run was cancelled through its AbortSignal (the state went back to the model's pool). */
export class NativeAbortError extends Error {
  constructor () {
    super('the transcription was aborted')
    this.name = 'NativeAbortError'
  }
}

let addon: NativeAddon | undefined

export function loadAddon (): NativeAddon {
  if (addon) return addon
  if (!existsSync(ADDON_PATH)) {
    throw new Error(`earshot's whisper addon is not built (${ADDON_PATH} missing); run: node scripts/build-whisper.mjs`)
  }
  addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon
  return addon
}

/** whisper.cpp version and the instruction sets compiled in ("AVX = 1 | AVX2 = 1 | ..."). */
export function nativeInfo (): { version: string, systemInfo: string } {
  const a = loadAddon()
  return { version: a.version(), systemInfo: a.systemInfo().trim() }
}

// ggml_log_level: 1 debug, 2 info, 3 warn, 4 error
export type WhisperLogSink = (level: 'debug' | 'info' | 'warn' | 'error', line: string) => void

/** Routes whisper.cpp's and ggml's log lines to `sink` (null: silence, the default). Process-wide. */
export function setWhisperLog (sink: WhisperLogSink | null): void {
  const names = ['debug', 'debug', 'info', 'warn', 'error'] as const
  loadAddon().setLogger(sink ? (level, line) => { sink(names[level] ?? 'info', line) } : null)
}

/** WHISPER_SPIN_YIELD's default (bench:event-loop: oversubscribed decodes 3-7x faster than with ggml's busy spin). */
export const DEFAULT_SPIN_YIELD = 256

/**
 * ggml's decode threads wait for each other after every graph step by spinning; with more threads than free
 * cores that spin starves the thread being waited for. They yield the core every `every` spins (0 = ggml's own
 * busy spin). Process-wide. False where the hook does not exist (it is x86-64 only; see native/src/ggml-cpu-c.c).
 */
export function setSpinYield (every: number): boolean {
  return loadAddon().setSpinYield(Math.max(0, Math.floor(every)))
}

/** A loaded whisper context with a pool of decode states. Never freed while a job runs (free() throws then). */
export class NativeModel {
  private freedFlag = false
  private readonly raw: RawModel
  constructor (raw: RawModel) {
    this.raw = raw
  }

  get freed (): boolean { return this.freedFlag }
  get info (): ReturnType<RawModel['info']> { return this.raw.info() }
  get activeJobs (): number { return this.raw.activeJobs() }

  async free (): Promise<void> {
    if (this.freedFlag) return
    this.raw.free()
    this.freedFlag = true
  }

  /**
   * The spectrogram whisper_full would decode for `pcm`, computed on a pooled state and copied out. Synchronous
   * (blocks the event loop): for tests, which compare earshot's computation with whisper's own bit for bit.
   */
  spectrogram (pcm: Float32Array, opts: SpectrogramOptions): NativeSpectrogram {
    if (this.freedFlag) throw new Error('whisper model has been freed')
    return this.raw.spectrogram(pcm, { threads: opts.threads, energy: opts.energy === true, whisperMel: opts.whisperMel === true })
  }

  /** whisper_tokenize itself (at most 1024 bytes of text): for tests comparing src/engine/tokenizer.ts with it. */
  tokenize (text: string): number[] {
    if (this.freedFlag) throw new Error('whisper model has been freed')
    return Array.from(this.raw.tokenize(text))
  }

  /**
   * One whisper_full run on a pooled state, on the libuv thread pool. An abort through `signal` stops the run
   * within one slice of the spectrogram (tens of milliseconds), at the next encoder start or ggml graph step, and
   * rejects with NativeAbortError.
   */
  async transcribe (job: NativeJob): Promise<NativeResult> {
    if (this.freedFlag) throw new Error('whisper model has been freed')
    const { signal } = job
    if (signal?.aborted === true) throw new NativeAbortError()
    const carry = { pending: new Uint8Array(0) }
    const onSegment = job.onSegment
    const [promise, abort] = this.raw.transcribe(job.pcm, {
      threads: job.threads,
      language: job.language,
      detectLanguage: job.detectLanguage === true,
      ...(job.prompt !== undefined ? { prompt: job.prompt } : {}),
      ...(job.promptTokens !== undefined ? { promptTokens: Int32Array.from(job.promptTokens) } : {}),
      temperature: job.temperature ?? 0,
      task: job.task ?? 'transcribe',
      audioCtx: job.audioCtx ?? 0,
      tokenTimestamps: job.tokenTimestamps !== false,
      nice: job.nice ?? 0,
      whisperMel: job.whisperMel === true
    }, onSegment
      ? (s) => {
          try { onSegment(toSegment(s, carry)) } catch {} // a listener's error must not fail the decode
        }
      : undefined)
    signal?.addEventListener('abort', abort, { once: true })
    try {
      const raw = await promise
      const joiner = { pending: new Uint8Array(0) }
      return {
        segments: raw.segments.map((s) => toSegment(s, joiner)),
        language: raw.language,
        ...(raw.languageProbability !== undefined ? { languageProbability: raw.languageProbability } : {}),
        timings: raw.timings
      }
    } catch (err) {
      if ((err as { code?: string }).code === 'ABORTED') throw new NativeAbortError()
      throw err
    } finally {
      signal?.removeEventListener('abort', abort)
    }
  }
}

export interface SpectrogramOptions {
  threads: number
  /** the signal energy too (whisper computes it for token timestamps) */
  energy?: boolean
  /** whisper's own code instead of earshot's abortable one (more than 200 samples) */
  whisperMel?: boolean
}

function toSegment (s: RawSegment, carry: { pending: Uint8Array }): NativeSegment {
  const texts = joinTokenBytes(s.tokens.map((t) => t.bytes), carry)
  return {
    t0: s.t0,
    t1: s.t1,
    text: s.text.toString('utf8'),
    noSpeechProb: s.noSpeechProb,
    tokens: s.tokens.map((t, i) => ({ id: t.id, text: texts[i] ?? '', p: t.p, plog: t.plog, t0: t.t0, t1: t.t1 }))
  }
}

/** Loads a model file (validateModelFile() first: it explains what is wrong; this only says that it failed). */
export async function loadNativeModel (path: string, opts: { flashAttn?: boolean } = {}): Promise<NativeModel> {
  return new NativeModel(await loadAddon().loadModel(path, { flashAttn: opts.flashAttn ?? true }))
}
