import { existsSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { parseEnv } from 'node:util'
import { z } from 'zod'
import { parseAliases } from './engine/aliases.ts'
import { DEFAULT_MODEL_BASE_URL } from './engine/download.ts'
import { DEFAULT_SPIN_YIELD } from './engine/binding.ts'

/**
 * Every setting, parsed once from the environment. Nothing else in the project reads process.env:
 * the server, CLI, tests and benchmarks pass a Config (or parts of it) down.
 */

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes')

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max)

/** `30s`, `15m`, `1h`, `7d` or a number of seconds. */
const duration = z
  .string()
  .regex(/^\d+(s|m|h|d)?$/, 'expected a duration such as 3600, 30s, 15m, 1h or 7d')
  .transform((v) => {
    const n = Number.parseInt(v, 10)
    const unit = v.at(-1) ?? ''
    const factor = { s: 1, m: 60, h: 3600, d: 86400 }[unit] ?? 1
    return n * factor
  })

const positiveDuration = duration.refine((v) => v > 0, 'must be more than 0')

export const configSchema = z.object({
  PORT: int(0, 65535).default(7860),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_PATH: z.string().min(1).default('data/earshot.db'),
  /**
   * postgres://… switches keys, the rate limits and the callback job queue (pg-boss) to PostgreSQL, shared by every
   * replica; DATABASE_PATH is then unused.
   */
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL').optional(),
  /** Connections each process keeps to PostgreSQL (plus one listening for key changes). */
  DATABASE_POOL_MAX: int(1, 1000).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Seconds in-flight requests get to finish on shutdown. */
  SHUTDOWN_GRACE_SECONDS: int(1, 3600).default(10),
  /** Least time the port stays open on shutdown, answering 503 (/health not ready), for a balancer to notice. */
  SHUTDOWN_DRAIN_DELAY: duration.default(0),
  /** Slow clients: time to send the request line and headers, longest pause inside a body, whole request (0 = off). */
  HEADERS_TIMEOUT: positiveDuration.default(10),
  BODY_IDLE_TIMEOUT: positiveDuration.default(30),
  REQUEST_TIMEOUT: duration.default(3600),
  /** Idle time a kept-alive connection stays open between requests. */
  KEEP_ALIVE_TIMEOUT: positiveDuration.default(72),
  /** Time from a WebSocket upgrade request to the 101 (authentication and setup included). */
  WS_HANDSHAKE_TIMEOUT: positiveDuration.default(10),

  /** Usage per key is counted in memory and written this often (and on shutdown); 0 = one write per request. */
  USAGE_FLUSH_MS: int(0, 3_600_000).default(5000),

  ENABLE_TEST_TOKEN_ENDPOINT: bool.default(false),
  TEST_TOKEN_TTL: duration.default(3600),

  /** Requests per key per window on /v1/*. */
  RATE_LIMIT_MAX: int(1).default(600),
  RATE_LIMIT_WINDOW: duration.default(60),
  /** Failed authentications per client address per window before 429. */
  AUTH_FAILURE_LIMIT_MAX: int(1).default(20),
  AUTH_FAILURE_LIMIT_WINDOW: duration.default(60),
  /** Trust X-Forwarded-For (set when earshot sits behind a reverse proxy). */
  TRUST_PROXY: bool.default(false),

  /** GET /metrics (Prometheus text format); with METRICS_TOKEN it asks for `Authorization: Bearer <token>`. */
  METRICS: bool.default(true),
  METRICS_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),

  /**
   * `off`: this replica runs no decodes (API only): no model is loaded, it is ready without one, synchronous
   * transcriptions get 503 ENGINE_OFF and callback jobs are queued for `earshot worker` processes.
   */
  ENGINE: z.enum(['on', 'off']).default('on'),
  MODELS_DIR: z.string().min(1).default('models'),
  DEFAULT_MODEL: z.string().min(1).default('base.en'),
  /**
   * Extra model aliases, `name=model` or `prefix*=model[|fallback…]`, comma separated; `default` = DEFAULT_MODEL.
   * They apply before the built-in ones (Deepgram's nova-3…, OpenAI's whisper-1…; src/engine/aliases.ts).
   */
  MODEL_ALIASES: z.string().default('').transform((text, ctx) => {
    try {
      return parseAliases(text)
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message })
      return z.NEVER
    }
  }),
  MODEL_BASE_URL: z.url().default(DEFAULT_MODEL_BASE_URL),
  /** Fetch DEFAULT_MODEL into MODELS_DIR on start when it is missing. */
  AUTO_DOWNLOAD_MODEL: bool.default(true),
  MAX_LOADED_MODELS: int(1, 16).default(2),
  ENGINE_CONCURRENCY: int(1, 64).default(1),
  /** Threads per decode; unset: the cores shared among ENGINE_CONCURRENCY decodes, 1 to 4 (defaultWhisperThreads). */
  WHISPER_THREADS: int(1, 256).optional(),
  /** Nice value added to decode threads (Linux) so the event loop stays responsive; 0 = same priority. */
  WHISPER_NICE: int(0, 19).default(10),
  /** ggml's waiting decode threads yield the core every N spins (x86-64), so oversubscription degrades gently; 0 = busy spin. */
  WHISPER_SPIN_YIELD: int(0, 1_000_000).default(DEFAULT_SPIN_YIELD),
  QUEUE_MAX: int(0, 100000).default(16),
  /** Encoder context in frames: 0 = whisper's full 30 s window, `auto` = sized to the audio (faster, see docs/deepgram.md). */
  DEFAULT_AUDIO_CTX: z.union([z.literal('auto'), int(0, 1500)]).default(0),

  BODY_LIMIT: int(1024).default(100 * 1024 * 1024),
  MAX_AUDIO_SECONDS: int(1).default(4 * 3600),
  URL_MAX_BYTES: int(1024).default(100 * 1024 * 1024),
  URL_TIMEOUT: duration.default(60),
  URL_MAX_REDIRECTS: int(0, 20).default(5),
  ALLOW_PRIVATE_URLS: bool.default(false),

  /**
   * Voice activity (Silero): VAD skips non-speech before the encoder on pre-recorded audio (`vad=false` per request
   * turns it off); the thresholds and durations also drive live endpointing. Silero's own defaults.
   */
  VAD: bool.default(true),
  VAD_THRESHOLD: z.coerce.number().min(0.01).max(0.99).default(0.5),
  /** Unset = VAD_THRESHOLD - 0.15 (at least 0.01). */
  VAD_NEG_THRESHOLD: z.coerce.number().min(0.01).max(0.99).optional(),
  VAD_MIN_SPEECH_MS: int(0, 10000).default(250),
  VAD_MIN_SILENCE_MS: int(0, 10000).default(100),
  VAD_SPEECH_PAD_MS: int(0, 2000).default(30),
  /**
   * Level gate: speech must stand this many dB above the background floor (10th percentile of the level over 8 s),
   * so dense babble well below the talker is mostly not speech; 0 = off (the default: it costs recall at low SNR,
   * docs/vad.md "Level gate"). 4 is the measured setting. Pre-recorded and live.
   */
  VAD_MIN_SNR_DB: z.coerce.number().min(0).max(40).default(0),

  /** Live streaming: audio seconds per session, undecoded seconds held before reading pauses, idle timeout. */
  STREAM_MAX_SECONDS: int(1).default(3600),
  STREAM_MAX_BUFFER_SECONDS: int(1, 3600).default(60),
  STREAM_IDLE_TIMEOUT: duration.default(10),

  /** Callback delivery: attempts in all, the first retry's delay (doubling after each failure), time per attempt. */
  CALLBACK_ATTEMPTS: int(1, 100).default(6),
  CALLBACK_RETRY_DELAY_MS: int(1, 3_600_000).default(1000),
  CALLBACK_TIMEOUT: positiveDuration.default(30),
  /** Callback jobs run at once by one process, and (in-process queue only) how many may wait. */
  JOBS_CONCURRENCY: int(1, 64).default(1),
  JOBS_QUEUE_MAX: int(1, 1_000_000).default(1000),
  /** pg-boss: a job active longer than this is presumed lost (its worker died) and retried; must exceed the longest decode. */
  JOBS_EXPIRE: positiveDuration.refine((v) => v < 86400, 'must be less than 24h (pg-boss)').default(900),
  /** pg-boss: retries of a job whose worker died or whose delivery gave up, and the delay before the first (doubling). */
  JOBS_RETRY_LIMIT: int(0, 100).default(2),
  JOBS_RETRY_DELAY: positiveDuration.default(10),
  /** pg-boss: how often expired jobs are looked for (one replica does it per interval). */
  JOBS_SUPERVISE_INTERVAL: positiveDuration.default(60)
})

export type Config = Omit<z.infer<typeof configSchema>, 'WHISPER_THREADS'> & { WHISPER_THREADS: number }

/**
 * WHISPER_THREADS when unset: the cores divided among the concurrent decodes, so their threads never outnumber the
 * cores (oversubscribed ggml threads wait on each other), at most 4 (whisper.cpp's own default: min(4, cores)).
 */
export function defaultWhisperThreads (concurrency: number, cores = availableParallelism()): number {
  return Math.min(4, Math.max(1, Math.floor(cores / concurrency)))
}

export class ConfigError extends Error {
  readonly problems: string[]
  constructor (problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.problems = problems
    this.name = 'ConfigError'
  }
}

/** The process environment over the values of a `.env` file in the working directory, when there is one. */
export function readEnvironment (envFile = '.env'): Record<string, string | undefined> {
  const fromFile = existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')) : {}
  return { ...fromFile, ...process.env }
}

/** Parses the given environment (process env + .env by default); throws one ConfigError listing every problem. */
export function loadConfig (env: Record<string, string | undefined> = readEnvironment()): Config {
  // Empty strings mean "unset" so `.env.example` can list every key with a blank value.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = configSchema.safeParse(cleaned)
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`))
  }
  const { REQUEST_TIMEOUT, HEADERS_TIMEOUT, VAD_THRESHOLD, VAD_NEG_THRESHOLD, SHUTDOWN_DRAIN_DELAY, SHUTDOWN_GRACE_SECONDS } = parsed.data
  if (VAD_NEG_THRESHOLD !== undefined && VAD_NEG_THRESHOLD > VAD_THRESHOLD) {
    throw new ConfigError([`VAD_NEG_THRESHOLD: must not exceed VAD_THRESHOLD (${VAD_THRESHOLD})`])
  }
  if (REQUEST_TIMEOUT !== 0 && REQUEST_TIMEOUT < HEADERS_TIMEOUT) {
    throw new ConfigError([`REQUEST_TIMEOUT: must be 0 (off) or at least HEADERS_TIMEOUT (${HEADERS_TIMEOUT}s)`])
  }
  if (SHUTDOWN_DRAIN_DELAY >= SHUTDOWN_GRACE_SECONDS) {
    // the grace period ends the process: a delay as long would leave no time to finish anything
    throw new ConfigError([`SHUTDOWN_DRAIN_DELAY: must be less than SHUTDOWN_GRACE_SECONDS (${SHUTDOWN_GRACE_SECONDS}s)`])
  }
  return { ...parsed.data, WHISPER_THREADS: parsed.data.WHISPER_THREADS ?? defaultWhisperThreads(parsed.data.ENGINE_CONCURRENCY) }
}
