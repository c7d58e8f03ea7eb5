/**
 * Any error -> OpenAI's error reply `{"error": {"message", "type", "param", "code"}}` with its status and headers.
 * Pure: the OpenAI routes' error handler (src/plugins/openai-error-handler.ts) and the SSE stream (an error after
 * the stream has begun is sent as an event) both use it. 5xx details never reach the client.
 */
import { AppError, clip } from '../../errors.ts'

export interface OpenAiErrorBody {
  error: { message: string, type: string, param: string | null, code: string | null }
}

export interface OpenAiErrorReply {
  status: number
  body: OpenAiErrorBody
  headers: Record<string, string>
  /** 5xx that are not a designed refusal (busy, shutting down): the caller logs the original error. */
  unexpected: boolean
}

/** An AppError raised for one request field (its `field`): the OpenAI reply names it in `param`. */
export class ParamError extends AppError {
  constructor (param: string, cause: AppError) {
    super(cause.statusCode, cause.code, cause.message, { extra: cause.extra, headers: cause.headers, cause, field: param })
  }
}

/** Re-throws AppErrors raised by `work` that name no field as errors of the request field `param`. */
export async function forParam<T> (param: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (err) {
    throw err instanceof AppError && err.field === undefined && err.statusCode < 500 ? new ParamError(param, err) : err
  }
}

/** Deepgram-style codes -> OpenAI's `code` values where OpenAI has one. */
const CODES: Record<string, string> = {
  INVALID_AUTH: 'invalid_api_key',
  KEY_EXPIRED: 'key_expired',
  RATE_LIMIT_EXCEEDED: 'rate_limit_exceeded',
  PAYLOAD_TOO_LARGE: 'file_too_large',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  SERVER_BUSY: 'server_busy',
  SERVER_SHUTTING_DOWN: 'server_shutting_down',
  SERVICE_UNAVAILABLE: 'server_shutting_down'
}

/** Codes that always concern one form field: an upload too large can only be the file's fault. */
const PARAMS: Record<string, string> = {
  PAYLOAD_TOO_LARGE: 'file'
}

/** Fastify's and @fastify/multipart's own refusals, in OpenAI's words. */
const FRAMEWORK: Record<string, { message: string, code: string | null, param?: string, status?: number }> = {
  FST_REQ_FILE_TOO_LARGE: { message: 'The uploaded file is larger than this server accepts.', code: 'file_too_large', param: 'file' },
  FST_ERR_CTP_BODY_TOO_LARGE: { message: 'The request body is larger than this server accepts.', code: 'file_too_large' },
  FST_FILES_LIMIT: { message: 'Send exactly one file, in the `file` field.', code: 'too_many_files', param: 'file' },
  FST_PARTS_LIMIT: { message: 'The form has too many parts.', code: 'too_many_parts' },
  FST_FIELDS_LIMIT: { message: 'The form has too many fields.', code: 'too_many_fields' },
  FST_PROTO_VIOLATION: { message: 'A form field name is not allowed.', code: 'invalid_value' },
  FST_MP_PREMATURE_CLOSE: { message: 'The multipart/form-data body ended early.', code: null },
  FST_INVALID_MULTIPART_CONTENT_TYPE: { message: 'Send the request as multipart/form-data.', code: 'unsupported_media_type', status: 415 },
  FST_INVALID_JSON_FIELD_ERROR: { message: 'A form field declared as JSON is not valid JSON.', code: 'invalid_value', status: 400 },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { message: 'Send the request as multipart/form-data with the audio in the `file` field.', code: 'unsupported_media_type' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { message: 'Send the request as multipart/form-data with the audio in the `file` field.', code: null },
  FST_ERR_CTP_INVALID_JSON_BODY: { message: 'Send the request as multipart/form-data with the audio in the `file` field.', code: null }
}

function typeFor (status: number): string {
  if (status === 429) return 'requests'
  if (status >= 500) return 'server_error'
  return 'invalid_request_error'
}

function reply (status: number, message: string, param: string | null, code: string | null, headers: Record<string, string> = {}): OpenAiErrorReply {
  return { status, body: { error: { message: clip(message), type: typeFor(status), param, code } }, headers, unexpected: false }
}

interface ValidationIssue { instancePath?: string, message?: string }

/** `/timestamp_granularities[]/0` -> `timestamp_granularities[]`; the field a client sent. */
function fieldOf (issue: ValidationIssue | undefined): string | null {
  const first = issue?.instancePath?.split('/').filter((p) => p !== '')[0]
  return first === undefined ? null : first.replace(/~1/g, '/').replace(/~0/g, '~')
}

/**
 * `error` as OpenAI would report it. `validation` is Fastify's schema-validation detail when the error is one;
 * `malformed` marks an error raised while the multipart body was still being read (a broken upload, not a bug).
 */
export function toOpenAiError (error: unknown, options: { validation?: ValidationIssue[], malformed?: boolean } = {}): OpenAiErrorReply {
  if (error instanceof AppError) {
    const param = error.field ?? PARAMS[error.code] ?? null
    if (error.statusCode >= 500 && error.statusCode !== 503) {
      return { ...reply(error.statusCode, 'The server had an error while processing your request.', null, null), unexpected: true }
    }
    return reply(error.statusCode, error.message, param, CODES[error.code] ?? null, error.headers)
  }
  if (options.validation !== undefined) {
    const first = options.validation[0]
    const param = fieldOf(first)
    const what = param === null ? 'request' : `'${param}'`
    return reply(400, `Invalid ${what}: ${first?.message ?? 'invalid value'}`, param, param === null ? null : 'invalid_value')
  }
  const e = error as { code?: unknown, statusCode?: unknown, message?: unknown }
  const known = typeof e.code === 'string' ? FRAMEWORK[e.code] : undefined
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined
  if (known !== undefined) return reply(known.status ?? status ?? 400, known.message, known.param ?? null, known.code)
  if (status !== undefined && status >= 400 && status < 500) {
    return reply(status, typeof e.message === 'string' ? clip(e.message, 200) : 'Bad request.', null, null)
  }
  if (status === undefined && options.malformed === true) {
    return reply(400, 'The multipart/form-data body could not be read.', null, null)
  }
  return { ...reply(500, 'The server had an error while processing your request.', null, null), unexpected: true }
}
