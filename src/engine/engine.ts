/**
 * The Transcriber over earshot's native addon: the model catalog (./catalog.ts, what plans ask), the resident-model
 * pool and the bounded priority queue.
 * Knows nothing about HTTP: configuration comes in through the constructor.
 *
 * Decoding is greedy by default (temperature 0), with token timestamps on. Each run borrows a whisper state from
 * its model's pool (one per concurrent job, reused). An AbortSignal cancels a waiting job in the queue and a
 * running one inside whisper (abort_callback), which then frees its CPU and returns its state.
 *
 * Language: .en models always report 'en'. Multilingual models decode `language` (default 'en'); with
 * detectLanguage whisper_lang_auto_detect runs first on the first 30 s (one extra full-window encode) and the
 * detected code is reported with whisper's probability for it.
 */
import { SAMPLE_RATE } from '../audio/pcm.ts'
import { engineOff, modelInvalid, serverBusy, shuttingDown, transcriptionFailed, type AppError } from '../errors.ts'
import type { AliasRule } from './aliases.ts'
import { DEFAULT_SPIN_YIELD, NativeAbortError, type NativeSegment } from './binding.ts'
import { ModelFileError, type ModelFileInfo } from './model-file.ts'
import { ModelPool, type Lease, type PooledModel } from './pool.ts'
import { AbortError, JobQueue, type Priority, type QueueStats } from './queue.ts'
import { ModelRegistry, type InstalledModel } from './registry.ts'
import { describeInstalled, FileModelCatalog } from './catalog.ts'
import type { EngineObserver, Logger, ModelCatalog, ModelDescription, TranscribeOptions, TranscribeResult, TranscribedSegment, Transcriber } from './types.ts'

/** whisper.cpp ignores input under 1 s (100 mel frames); shorter clips are padded with silence to this. */
const MIN_SAMPLES = Math.round(SAMPLE_RATE * 1.1)
/** Encoder frames per second of audio, and the margin 'auto' adds (measured: 160-256 for a 3 s clip is safe). */
const FRAMES_PER_SECOND = 50
const AUTO_MARGIN = 64

export interface EngineOptions {
  modelsDir: string
  /** Model used when a request names none (e.g. 'base.en'). */
  defaultModel: string
  /** ENGINE_CONCURRENCY: decodes at once. */
  concurrency: number
  /** WHISPER_THREADS: threads per decode. */
  threads: number
  /** QUEUE_MAX: jobs allowed to wait; beyond that SERVER_BUSY. */
  queueMax: number
  /** MAX_LOADED_MODELS: resident models (LRU). */
  maxLoadedModels: number
  /** DEFAULT_AUDIO_CTX: 0 = full window, N frames, or 'auto'. Used when a call passes no audioCtx. */
  defaultAudioCtx: number | 'auto'
  /** MODEL_ALIASES rules (the built-in ones apply after them). */
  aliases?: AliasRule[]
  logger?: Logger
  /** Log whisper.cpp's own lines at info (default: debug). They go to `logger`; process-wide, last engine decides. */
  whisperLog?: boolean
  /**
   * Added to the decode threads' nice value (Linux), so the event loop stays ahead of them when decodes use every
   * core; 0 keeps them at the server's priority. Default 10.
   */
  decodeNice?: number
  /** ENGINE=off: models are described (requests are planned) but never loaded; transcribe() refuses with 503. */
  off?: boolean
  /** WHISPER_SPIN_YIELD: ggml's waiting threads yield the core every N spins (0 = busy spin). Process-wide. Default 256. */
  spinYield?: number
}

/**
 * The audio_ctx to pass whisper. 0 (full window) stays 0. 'auto' is ~50 frames per second of audio plus a
 * margin. An explicit N is raised to what the audio needs (audio_ctx shorter than the audio would make the
 * encoder ignore the rest of each window), so in practice it only ever shortens the window for short audio.
 * Anything reaching the model's full context (1500 = 30 s) becomes 0.
 */
export function effectiveAudioCtx (requested: number | 'auto', seconds: number, maxCtx = 1500): number {
  if (requested === 0) return 0
  const needed = Math.ceil(Math.min(seconds, 30) * FRAMES_PER_SECOND)
  const ctx = requested === 'auto' ? needed + AUTO_MARGIN : Math.max(Math.floor(requested), needed)
  return ctx >= maxCtx ? 0 : ctx
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, Number.isFinite(x) ? x : lo))

export class Engine implements Transcriber {
  readonly registry: ModelRegistry
  /** What plans ask of the models (src/transcription/plan.ts): nothing there reaches the queue or the pool. */
  readonly models: ModelCatalog
  private readonly pool: ModelPool
  private readonly queue: JobQueue
  private readonly opts: EngineOptions
  private readyPromise: Promise<void> | undefined
  private readyDone = false
  private closing: Promise<void> | undefined
  private readonly observers = new Set<EngineObserver>()
  /** Decodes that reached whisper (queued jobs that ran): shows that skipped audio really skipped the decoder. */
  private decodesStarted = 0

  constructor (opts: EngineOptions) {
    this.opts = opts
    this.registry = new ModelRegistry(opts.modelsDir, { aliases: opts.aliases, defaultModel: opts.defaultModel })
    this.models = new FileModelCatalog(this.registry, opts.defaultModel)
    this.pool = new ModelPool({
      maxLoaded: opts.maxLoadedModels, whisperLogLevel: opts.whisperLog === true ? 'info' : 'debug', logger: opts.logger, spinYield: opts.spinYield ?? DEFAULT_SPIN_YIELD
    })
    this.queue = new JobQueue({ concurrency: opts.concurrency, maxWaiting: opts.queueMax })
  }

  async listModels (): Promise<ModelDescription[]> {
    return (await this.registry.list()).map((m) => this.describe(m))
  }

  stats (): QueueStats & { loadedModels: string[], decodes: number } {
    return { ...this.queue.stats(), loadedModels: this.pool.loadedNames(), decodes: this.decodesStarted }
  }

  /**
   * ENGINE_OFF on a replica without an engine, SERVER_BUSY (with Retry-After) when the queue would refuse a job of
   * `priority` submitted now, else undefined. A hint for refusing early; transcribe() still decides.
   */
  admission (priority: Priority = 'normal'): AppError | undefined {
    if (this.opts.off === true) return engineOff()
    return this.queue.admits(priority) ? undefined : serverBusy(this.queue.retryAfter())
  }

  /** Adds a metrics observer; returns the function that removes it. */
  observe (observer: EngineObserver): () => void {
    this.observers.add(observer)
    return () => { this.observers.delete(observer) }
  }

  isReady (): boolean {
    return this.readyDone && !this.closing
  }

  ready (): Promise<void> {
    if (!this.readyPromise) {
      const p = (async () => {
        const installed = await this.registry.list()
        const m = await this.registry.resolveInstalled(this.opts.defaultModel).catch(() => {
          throw new Error(`default model '${this.opts.defaultModel}' is not installed in ${this.opts.modelsDir} ` +
            `(installed: ${installed.map((x) => x.name).join(', ') || 'none'}); download it first`)
        })
        const lease = await this.acquire(m)
        lease.release()
        this.readyDone = true
      })()
      this.readyPromise = p
      p.catch(() => { if (this.readyPromise === p) this.readyPromise = undefined }) // let a later call retry
    }
    return this.readyPromise
  }

  async transcribe (pcm: Float32Array, options: TranscribeOptions & { model: ModelDescription }): Promise<TranscribeResult & { model: ModelDescription }> {
    if (this.closing) throw shuttingDown()
    if (this.opts.off === true) throw engineOff()
    // The plan settled the model (and checked the language against it): nothing is looked up again here.
    const model = options.model
    const language = options.language
    // `pcm` is read when the job starts (the addon copies it then): callers must not reuse the buffer before.
    const duration = pcm.length / SAMPLE_RATE
    if (pcm.length === 0) return { segments: [], language: language ?? 'en', duration: 0, model }

    const submitted = performance.now()
    const priority = options.priority ?? 'normal'
    const result = await this.queue.run(async () => {
      const waitSeconds = (performance.now() - submitted) / 1000
      for (const o of this.observers) o.jobStarted?.({ waitSeconds, priority })
      this.decodesStarted++
      const lease = await this.acquire(model)
      try {
        return await this.decode(model.name, lease, pcm, duration, language, options)
      } finally {
        lease.release()
      }
    }, { priority, signal: options.signal })
    return { ...result, model: { ...model, loaded: true } }
  }

  /** Refuses new work, rejects waiting jobs (503), lets running ones finish, frees every model. */
  close (): Promise<void> {
    this.closing ??= (async () => {
      this.queue.close(shuttingDown())
      await this.queue.onIdle()
      await this.readyPromise?.catch(() => {})
      await this.pool.close()
    })()
    return this.closing
  }

  private describe (m: InstalledModel): ModelDescription {
    return { ...describeInstalled(m), loaded: this.pool.isLoaded(m) }
  }

  private async acquire (m: PooledModel): Promise<Lease> {
    try {
      return await this.pool.acquire(m)
    } catch (err) {
      if (err instanceof ModelFileError) {
        this.opts.logger?.error({ model: m.name, err }, 'model file rejected')
        throw modelInvalid(m.name, err.reason, err)
      }
      throw err
    }
  }

  private async decode (name: string, lease: Lease, pcm: Float32Array, duration: number, language: string | undefined,
    options: TranscribeOptions): Promise<TranscribeResult> {
    // Language and model compatibility (English-only files, 'yue') is settled by the request plan
    // (src/transcription/plan.ts) before any audio is decoded; an English-only model simply decodes English.
    const info = lease.info
    const lang = !info.multilingual ? 'en' : options.detectLanguage === true ? 'auto' : (language ?? 'en')
    let input = pcm
    if (pcm.length < MIN_SAMPLES) {
      input = new Float32Array(MIN_SAMPLES)
      input.set(pcm)
    }
    const audioCtx = effectiveAudioCtx(options.audioCtx ?? this.opts.defaultAudioCtx, input.length / SAMPLE_RATE, info.nAudioCtx)
    const started = performance.now()
    let native
    try {
      native = await lease.model.transcribe({
        pcm: input,
        threads: Math.max(1, Math.floor(this.opts.threads)),
        language: lang,
        detectLanguage: lang === 'auto',
        ...(options.promptTokens !== undefined && options.promptTokens.length > 0 ? { promptTokens: options.promptTokens } : {}),
        temperature: options.temperature ?? 0,
        task: options.task ?? 'transcribe',
        audioCtx,
        tokenTimestamps: true,
        nice: this.opts.decodeNice ?? 10,
        signal: options.signal,
        onSegment: options.onSegment
          ? (s) => {
              const seg = toSegments([s], info, duration)[0]
              if (seg) options.onSegment?.(seg)
            }
          : undefined
      })
    } catch (err) {
      if (err instanceof NativeAbortError) throw new AbortError(options.signal?.reason)
      this.opts.logger?.error({ err }, 'whisper transcription failed')
      throw transcriptionFailed(err)
    }
    const decodeSeconds = (performance.now() - started) / 1000
    for (const o of this.observers) o.decoded?.({ model: name, audioSeconds: duration, decodeSeconds })
    return {
      segments: toSegments(native.segments, info, duration),
      language: info.multilingual ? native.language : 'en',
      ...(native.languageProbability !== undefined && lang === 'auto' ? { languageProbability: native.languageProbability } : {}),
      duration,
      timings: {
        ...(native.timings.melMs !== undefined ? { melMs: native.timings.melMs } : {}),
        ...(native.timings.detectMs !== undefined ? { detectMs: native.timings.detectMs } : {}),
        totalMs: performance.now() - started
      }
    }
  }
}

/** Native segments -> ours: seconds, special tokens dropped, times clamped to the real (unpadded) audio. */
function toSegments (native: NativeSegment[], info: ModelFileInfo, duration: number): TranscribedSegment[] {
  const sec = (ms: number): number => clamp(ms / 1000, 0, duration)
  return native
    .map((s) => ({
      text: s.text,
      start: sec(s.t0),
      end: sec(s.t1),
      noSpeechProb: s.noSpeechProb,
      tokens: s.tokens.filter((t) => t.id < info.eotId).map((t) => ({
        id: t.id,
        text: t.text,
        start: sec(t.t0),
        end: sec(t.t1),
        probability: t.p,
        logprob: t.plog
      }))
    }))
    .filter((s) => s.start < duration) // produced from the silence padding only
}
