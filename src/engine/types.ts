/** The narrow interface the HTTP and streaming layers use; nothing outside src/engine knows the native addon. */
import type { AppError } from '../errors.ts'

export interface TranscribeOptions {
  /** Whisper's language code as the plan settled it (src/engine/languages.ts), or undefined for 'en'. */
  language?: string
  /** Let whisper detect the language; the result reports it with a probability. */
  detectLanguage?: boolean
  /**
   * Whisper's initial prompt, as token ids of the model (a plan's `promptTokens`, from tokenizer()): at most the
   * model's prompt window, which the plan has already enforced.
   */
  promptTokens?: readonly number[]
  /** Sampling temperature (0 = greedy, whisper's default). */
  temperature?: number
  /**
   * Encoder context in frames (50 per second of audio). 0 = the full 30 s window; 'auto' = derived from the audio
   * length (~50/s plus a margin, full window from ~28 s up); undefined = the engine default (DEFAULT_AUDIO_CTX).
   * Smaller is much faster on short audio; with real models it can cost accuracy (a known whisper trade-off).
   */
  audioCtx?: number | 'auto'
  /** Queue priority: streaming finals use 'high', interims 'low' (droppable). */
  priority?: 'high' | 'normal' | 'low'
  /**
   * Aborted before its turn: the job is dropped from the queue. Aborted while decoding: whisper stops at its next
   * encoder start or graph step (well within a second) and its state goes back to the pool. Either way the
   * promise rejects with the queue's AbortError (name 'AbortError').
   */
  signal?: AbortSignal
  /** 'translate' is whisper's translate-to-English task (multilingual models). Default 'transcribe'. */
  task?: 'transcribe' | 'translate'
  /** Called on the JS thread as each segment completes during the decode, before the promise resolves. */
  onSegment?: (segment: TranscribedSegment) => void
}

export interface TranscribedToken {
  /** whisper token id */
  id: number
  /** Text, joined across tokens that split a UTF-8 character (may be '' for the first half of one). */
  text: string
  /** seconds from the start of the given PCM */
  start: number
  end: number
  probability: number
  /** whisper's log-probability of the token (plog) */
  logprob: number
}

export interface TranscribedSegment {
  text: string
  start: number
  end: number
  tokens: TranscribedToken[]
  /** whisper's probability that the segment's window holds no speech */
  noSpeechProb: number
}

export interface TranscribeResult {
  segments: TranscribedSegment[]
  language: string
  /** whisper's probability for the detected language; set only when detectLanguage was asked (multilingual). */
  languageProbability?: number
  /** Seconds of audio transcribed (the PCM length / 16000). */
  duration?: number
  /** Wall-clock milliseconds: the spectrogram of the whole input, language detection, the whole decode. */
  timings?: { melMs?: number, detectMs?: number, totalMs: number }
}

export interface ModelDescription {
  name: string
  path: string
  sizeBytes: number
  /** Resident in the engine's pool: set by the engine (its listing, its results), not by the catalog. */
  loaded?: boolean
  /** Stable uuid derived from the file (name + size + mtime), reported as Deepgram's model uuid. */
  uuid: string
  /** Read from the file header (n_vocab): false for English-only (`.en`) models. */
  multilingual: boolean
  /** n_vocab from the header (51866 for large-v3, the only vocabulary with 'yue'); 0 when unreadable. */
  vocabSize: number
}

/** Pino-compatible subset the engine logs through. */
export interface Logger {
  debug?(obj: unknown, msg?: string): void
  info(obj: unknown, msg?: string): void
  warn(obj: unknown, msg?: string): void
  error(obj: unknown, msg?: string): void
}

/** Turns prompt text into a model's token ids (src/engine/tokenizer.ts). */
export interface PromptTokenizer {
  /** Prompt tokens whisper reads (223): it keeps the last ones of a longer prompt. */
  readonly window: number
  encode (text: string): number[]
}

/** What a plan asks of the models (src/engine/catalog.ts): nothing is loaded or decoded. */
export interface ModelCatalog {
  /**
   * The installed model a request names: an installed name or an alias (MODEL_ALIASES), DEFAULT_MODEL when
   * omitted; AppError 400 listing installed models and aliases otherwise. Reads no audio, loads no model.
   */
  describeModel (name?: string, request?: { language?: string | undefined, detectLanguage?: boolean | undefined }): Promise<ModelDescription>
  /** The model's tokenizer (its vocabulary read from the file once, then cached): no model is loaded. */
  tokenizer (model: ModelDescription): Promise<PromptTokenizer>
}

/** What the routes and streaming sessions call. Implemented by src/engine/engine.ts over the native addon. */
export interface Transcriber {
  /** Installed and resident models. */
  listModels(): Promise<ModelDescription[]>
  /**
   * Transcribe 16 kHz mono Float32 PCM with the model a plan settled (describeModel): nothing is resolved again
   * here. Waits its turn in the bounded queue; throws AppError SERVER_BUSY (503) when the queue is full, ENGINE_OFF
   * (503) on a replica without an engine, and the queue's AbortError when `signal` gives it up.
   */
  transcribe(pcm: Float32Array, options: TranscribeOptions & { model: ModelDescription }): Promise<TranscribeResult & { model: ModelDescription }>
  /** What plans ask of the models: the model a request names, its tokenizer. */
  readonly models: ModelCatalog
  /**
   * Whether a job of `priority` could run if submitted now: undefined if so, else the refusal — AppError ENGINE_OFF
   * (503) on a replica whose engine is off, SERVER_BUSY (503, Retry-After) when the queue would refuse it. Lets a
   * request be refused before its audio is read or decoded; transcribe() still decides.
   */
  admission(priority?: 'high' | 'normal' | 'low'): AppError | undefined
  /** Load the default model; resolves when it is resident (the health check waits on this). */
  ready(): Promise<void>
  isReady(): boolean
  close(): Promise<void>
}

/**
 * What the engine reports as it works, for metrics (src/metrics). Hooks are synchronous and must not throw;
 * register with Engine.observe(). Keeps prom-client, and any other sink, out of src/engine.
 */
export interface EngineObserver {
  /** A job left the queue and began: seconds since it was submitted, and its priority. */
  jobStarted?(event: { waitSeconds: number, priority: 'high' | 'normal' | 'low' }): void
  /** A decode succeeded: the installed model's name, audio seconds (unpadded) and wall seconds whisper took. */
  decoded?(event: { model: string, audioSeconds: number, decodeSeconds: number }): void
}
