/**
 * Coded errors shared by every layer. Domain code throws these; each protocol renders them in its own shape
 * (src/protocols/deepgram/errors.ts, src/protocols/openai/errors.ts) and its live sessions map them to close codes.
 *
 * A message is what the client reads. A 5xx message is a fixed sentence that never says what failed (no file,
 * path or library error): what did goes in `detail` and `cause`, which only logs see.
 */
export class AppError extends Error {
  readonly statusCode: number
  readonly code: string
  /** Extra body fields (e.g. `expires_at`, `retry_after`, `details`). */
  readonly extra: Record<string, unknown>
  /** Extra response headers (e.g. `Retry-After`). */
  readonly headers: Record<string, string>
  /** What went wrong, for the log only: never rendered in a response. */
  readonly detail: string | undefined
  /** The request field at fault, as the client's protocol names it (OpenAI's replies show it as `param`). */
  readonly field: string | undefined

  constructor (
    statusCode: number,
    code: string,
    message: string,
    options: { extra?: Record<string, unknown>, headers?: Record<string, string>, cause?: unknown, detail?: string, field?: string } = {}
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'AppError'
    this.statusCode = statusCode
    this.code = code
    this.extra = options.extra ?? {}
    this.headers = options.headers ?? {}
    this.detail = options.detail
    this.field = options.field
  }
}

/**
 * A client's value inside an error message: in single quotes, escaped as in JSON (control characters, lone
 * surrogates) and, past `max` characters, cut with its length said. The only way input appears in a message: an
 * error body never carries more of what was sent than this.
 */
export function quoted (value: string, max = 40): string {
  const quote = (v: string): string => `'${JSON.stringify(v).slice(1, -1).replaceAll('\\"', '"').replaceAll("'", "\\'")}'`
  return value.length <= max ? quote(value) : `${quote(value.slice(0, max))}… (${value.length} characters)`
}

/** The longest message an error body carries: every message is ours and short; this bounds those that quote. */
export const MAX_MESSAGE_CHARS = 1024

/** A message that is not ours (a library's, which may quote the request) or one past MAX_MESSAGE_CHARS, cut. */
export function clip (message: string, max = MAX_MESSAGE_CHARS): string {
  return message.length <= max ? message : `${message.slice(0, max)}…`
}

/** The message with its log-only detail, for operators (logs, /health), never for a client's response. */
export const operatorMessage = (err: Error): string =>
  err instanceof AppError && err.detail !== undefined ? `${err.message.replace(/\.$/, '')}: ${err.detail}.` : err.message

export const invalidAuth = (): AppError =>
  new AppError(401, 'INVALID_AUTH', 'Invalid credentials.', { headers: { 'WWW-Authenticate': 'Token' } })

export const keyExpired = (expiresAt: string): AppError =>
  new AppError(403, 'KEY_EXPIRED', 'This API key has expired.', { extra: { expires_at: expiresAt } })

export const badRequest = (message: string, options: { extra?: Record<string, unknown>, field?: string } = {}): AppError =>
  new AppError(400, 'Bad Request', message, options)

export const payloadTooLarge = (message: string): AppError =>
  new AppError(413, 'PAYLOAD_TOO_LARGE', message)

const sizeOf = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${+(bytes / 1024 / 1024).toFixed(2)} MiB` : `${+(bytes / 1024).toFixed(2)} KiB`

/** A body (or a form's file) over BODY_LIMIT: the message names the limit, so the sender knows what to change. */
export const bodyTooLarge = (limitBytes: number): AppError =>
  payloadTooLarge(`The upload is larger than this server accepts: at most ${sizeOf(limitBytes)} (BODY_LIMIT=${limitBytes}).`)

export const rateLimited = (retryAfterSeconds: number): AppError =>
  new AppError(429, 'RATE_LIMIT_EXCEEDED', `Too many requests. Retry after ${retryAfterSeconds} seconds.`, {
    extra: { retry_after: retryAfterSeconds },
    headers: { 'Retry-After': String(retryAfterSeconds) }
  })

export const serverBusy = (retryAfterSeconds: number): AppError =>
  new AppError(503, 'SERVER_BUSY', 'The transcription queue is full. Retry later.', {
    extra: { retry_after: retryAfterSeconds },
    headers: { 'Retry-After': String(retryAfterSeconds) }
  })

/** PostgreSQL (DATABASE_URL) cannot be reached: keys cannot be checked, so nothing is served until it is back. */
export const databaseUnavailable = (cause?: unknown): AppError =>
  new AppError(503, 'DATABASE_UNAVAILABLE', 'The key store is unreachable. Retry shortly.', {
    extra: { retry_after: 1 },
    headers: { 'Retry-After': '1' },
    cause
  })

export const undecodableAudio = (cause?: unknown): AppError =>
  new AppError(400, 'Bad Request', 'failed to process audio: corrupt or unsupported data', { cause })

export const unsupportedMediaType = (message: string): AppError =>
  new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', message)

/** The one "shutting down" error: new requests, queued decodes and uploads still arriving when the server stops. */
export const shuttingDown = (): AppError =>
  new AppError(503, 'SERVER_SHUTTING_DOWN', 'The server is shutting down. Retry shortly.', {
    extra: { retry_after: 1 },
    headers: { 'Retry-After': '1' }
  })

/** The file's problem (`reason`) is the operator's to fix: logged, never sent. `name` is one the client may ask for. */
export const modelInvalid = (name: string, reason: string, cause?: unknown): AppError =>
  new AppError(500, 'MODEL_INVALID', `Model '${name}' cannot be loaded.`, { cause, detail: reason })

export const transcriptionFailed = (cause?: unknown): AppError =>
  new AppError(500, 'TRANSCRIPTION_FAILED', 'The transcription failed.', { cause })

/** A client too slow to send its request (headers, an idle body, the whole request, a WebSocket handshake). */
export const requestTimeout = (what: string): AppError =>
  new AppError(408, 'REQUEST_TIMEOUT', `The request timed out: ${what}.`)

/** Client errors the HTTP parser finds before any route runs. */
export const headersTooLarge = (): AppError =>
  new AppError(431, 'REQUEST_HEADER_FIELDS_TOO_LARGE', 'The request line or headers are too large.')

export const malformedRequest = (): AppError =>
  new AppError(400, 'Bad Request', 'The request is not valid HTTP.')

/**
 * The client hung up before the response (nginx's 499): abandons queued work and is logged at info, since
 * nothing failed on our side. Never reaches the client, which is gone.
 */
export const clientClosedRequest = (): AppError =>
  new AppError(499, 'CLIENT_CLOSED_REQUEST', 'The client closed the connection before the response.')

export const notFound = (message: string): AppError => new AppError(404, 'NOT_FOUND', message)

/** Never says what went wrong: 5xx details stay in the log. */
export const internalError = (): AppError => new AppError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error.')

export const malformedUrl = (statusCode = 400): AppError => new AppError(statusCode, 'Bad Request', 'The request URL is malformed.')

/** A 4xx Fastify raised itself (body too large, bad JSON…), under the Deepgram-facing code for it. */
export const frameworkClientError = (statusCode: number, code: string, message: string): AppError =>
  new AppError(statusCode, code, message)

/** ENGINE=off: this replica only queues callback jobs; synchronous transcription needs a replica with the engine on. */
export const engineOff = (): AppError =>
  new AppError(503, 'ENGINE_OFF', 'This server runs with its engine off (API only): send the request with a callback ' +
    'URL to queue it, or send it to a server whose engine is on.', { extra: { retry_after: 1 }, headers: { 'Retry-After': '1' } })

/** A callback job nothing could run: the in-process queue of a server whose engine is off. */
export const jobsUnavailable = (): AppError =>
  new AppError(503, 'JOBS_UNAVAILABLE', 'Callback jobs need a running engine: this server has its engine off and no ' +
    'shared job queue (DATABASE_URL).')
