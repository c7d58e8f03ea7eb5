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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Seconds in-flight requests get to finish on shutdown. */
  SHUTDOWN_GRACE_SECONDS: int(1, 3600).default(10),
  /** Slow clients: time to send the request line and headers, longest pause inside a body, whole request (0 = off). */
  HEADERS_TIMEOUT: positiveDuration.default(10),
  BODY_IDLE_TIMEOUT: positiveDuration.default(30),
  REQUEST_TIMEOUT: duration.default(3600),
  /** Idle time a kept-alive connection stays open between requests. */
  KEEP_ALIVE_TIMEOUT: positiveDuration.default(72),
  /** Time from a WebSocket upgrade request to the 101 (authentication and setup included). */
  WS_HANDSHAKE_TIMEOUT: positiveDuration.default(10),

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
  /** Encoder context in frames: 0 = whisper's full 30 s window, `auto` = sized to the audio (faster, see README). */
  DEFAULT_AUDIO_CTX: z.union([z.literal('auto'), int(0, 1500)]).default(0),

  BODY_LIMIT: int(1024).default(100 * 1024 * 1024),
  MAX_AUDIO_SECONDS: int(1).default(4 * 3600),
  URL_MAX_BYTES: int(1024).default(100 * 1024 * 1024),
  URL_TIMEOUT: duration.default(60),
  URL_MAX_REDIRECTS: int(0, 20).default(5),
  ALLOW_PRIVATE_URLS: bool.default(false),

  /** Live streaming: audio seconds per session, undecoded seconds held before reading pauses, idle timeout. */
  STREAM_MAX_SECONDS: int(1).default(3600),
  STREAM_MAX_BUFFER_SECONDS: int(1, 3600).default(60),
  STREAM_IDLE_TIMEOUT: duration.default(10)
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
  constructor (readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
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
  const { REQUEST_TIMEOUT, HEADERS_TIMEOUT } = parsed.data
  if (REQUEST_TIMEOUT !== 0 && REQUEST_TIMEOUT < HEADERS_TIMEOUT) {
    throw new ConfigError([`REQUEST_TIMEOUT: must be 0 (off) or at least HEADERS_TIMEOUT (${HEADERS_TIMEOUT}s)`])
  }
  return { ...parsed.data, WHISPER_THREADS: parsed.data.WHISPER_THREADS ?? defaultWhisperThreads(parsed.data.ENGINE_CONCURRENCY) }
}
