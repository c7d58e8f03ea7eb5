/**
 * Coded errors shared by every layer. Domain code throws these; the HTTP error handler turns them into
 * Deepgram-shaped bodies `{err_code, err_msg, request_id, ...extra}` and the WebSocket layer into close codes.
 */
export class AppError extends Error {
  readonly statusCode: number
  readonly code: string
  /** Extra body fields (e.g. `expires_at`, `retry_after`, `details`). */
  readonly extra: Record<string, unknown>
  /** Extra response headers (e.g. `Retry-After`). */
  readonly headers: Record<string, string>

  constructor (
    statusCode: number,
    code: string,
    message: string,
    options: { extra?: Record<string, unknown>, headers?: Record<string, string>, cause?: unknown } = {}
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'AppError'
    this.statusCode = statusCode
    this.code = code
    this.extra = options.extra ?? {}
    this.headers = options.headers ?? {}
  }
}

export const invalidAuth = (): AppError =>
  new AppError(401, 'INVALID_AUTH', 'Invalid credentials.', { headers: { 'WWW-Authenticate': 'Token' } })

export const keyExpired = (expiresAt: string): AppError =>
  new AppError(403, 'KEY_EXPIRED', 'This API key has expired.', { extra: { expires_at: expiresAt } })

export const badRequest = (message: string, extra?: Record<string, unknown>): AppError =>
  new AppError(400, 'Bad Request', message, { extra })

export const payloadTooLarge = (message: string): AppError =>
  new AppError(413, 'PAYLOAD_TOO_LARGE', message)

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

export const undecodableAudio = (cause?: unknown): AppError =>
  new AppError(400, 'Bad Request', 'failed to process audio: corrupt or unsupported data', { cause })

export const unsupportedMediaType = (message: string): AppError =>
  new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', message)
