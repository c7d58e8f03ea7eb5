import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import {
  AppError, badRequest, clientClosedRequest, clip, frameworkClientError, headersTooLarge, internalError, malformedRequest,
  malformedUrl, notFound, quoted, requestTimeout
} from '../errors.ts'
import { errorBody } from '../protocols/deepgram/errors.ts'

/** Fastify's own 4xx codes, mapped to the names Deepgram clients see. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Bad Request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'Bad Request'
}

/**
 * Why the server itself cut a connection (a timeout, shutdown): the request's own pipeline then fails with a
 * read error, which is logged and recorded under this error instead.
 */
const closedBecause = new WeakMap<Socket, AppError>()

/**
 * Answers with `err` straight on the socket and closes it, for when no Fastify reply can be sent (the parser
 * rejected the request, or the request is stuck reading its body). Nothing is written once a response has begun.
 */
export function closeWithError (socket: Socket, err: AppError, requestId: string = randomUUID()): void {
  closedBecause.set(socket, err)
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage
  if (!socket.writable || inFlight?.headersSent === true) {
    socket.destroy()
    return
  }
  const body = JSON.stringify(errorBody(err, requestId))
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'dg-request-id': requestId,
    ...err.headers,
    connection: 'close'
  }
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')
  socket.end(`HTTP/1.1 ${err.statusCode} ${STATUS_CODES[err.statusCode] ?? 'Error'}\r\n${head}\r\n${body}`, () => socket.destroy())
}

/**
 * Fastify's `clientErrorHandler`: errors node's HTTP parser raises before any route runs (a request line or
 * headers over the size limit, headers or a whole request too slow, bytes that are not HTTP). Logged at info
 * without the offending bytes (they may hold a key).
 */
export function clientErrorHandler (this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  if (error.code === 'HPE_INVALID_EOF_STATE') {
    // The client hung up in the middle of its request: nobody to answer, nothing failed here.
    this.log.info({ code: error.code, remoteAddress: socket.remoteAddress }, 'client closed the connection before the response')
    closedBecause.set(socket, clientClosedRequest())
    socket.destroy()
    return
  }
  const err = error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
    ? requestTimeout('the request was not received in time')
    : error.code === 'HPE_HEADER_OVERFLOW' ? headersTooLarge() : malformedRequest()
  const requestId = randomUUID()
  this.log.info({ request_id: requestId, code: error.code, remoteAddress: socket.remoteAddress, status: err.statusCode }, 'client error')
  closeWithError(socket, err, requestId)
}

function send (request: FastifyRequest, reply: FastifyReply, err: AppError) {
  return reply
    .code(err.statusCode)
    .headers({ ...err.headers, 'dg-request-id': request.id })
    .type('application/json; charset=utf-8')
    .send(errorBody(err, request.id))
}

/** Fastify's `frameworkErrors`: a URL the router cannot decode, an over-long path parameter. */
export function frameworkErrors (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400
  void send(request, reply, malformedUrl(status))
}

const isClientGone = (request: FastifyRequest, error: Error & { code?: string }): boolean =>
  (error instanceof AppError && error.code === 'CLIENT_CLOSED_REQUEST') || request.raw.socket?.destroyed === true ||
  error.code === 'ECONNRESET' || error.code === 'ECONNABORTED'

/**
 * The one place errors become responses: the Deepgram body `{err_code, err_msg, request_id}` for every error,
 * including 404s and validation failures; 5xx details stay in the log, never in the response.
 */
export default fp(async (fastify) => {
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('dg-request-id', request.id)
    done()
  })

  fastify.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    const cutBy = request.raw.socket === null ? undefined : closedBecause.get(request.raw.socket)
    if (cutBy !== undefined) {
      // We closed the connection ourselves (and said why); the read error that follows is no news.
      return send(request, reply, cutBy)
    }
    if (isClientGone(request, error)) {
      // Nobody is left to answer; the log says what was abandoned, at info since nothing failed here.
      request.log.info({ err: { message: error.message, code: error.code } }, 'client closed the connection before the response')
      return send(request, reply, clientClosedRequest())
    }
    if (error instanceof AppError) {
      if (error.statusCode >= 500) request.log.warn({ code: error.code, detail: error.detail }, error.message)
      return send(request, reply, error)
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const details = error.validation.map((v) => ({ location: error.validationContext, path: v.instancePath, message: v.message }))
      const first = details[0]
      const path = first?.path.split('/').filter((p) => p !== '').join('.') ?? ''
      const where = path === '' ? error.validationContext : `${error.validationContext} parameter '${path}'`
      return send(request, reply, badRequest(`Invalid ${where}: ${first?.message ?? 'invalid request'}`, { extra: { details } }))
    }
    const status = error.statusCode ?? 500
    if (status < 500 && status >= 400) {
      return send(request, reply, frameworkClientError(status, FASTIFY_CODES[error.code] ?? 'Bad Request', clip(error.message, 200)))
    }
    request.log.error({ err: error }, 'request failed')
    return send(request, reply, internalError())
  })

  fastify.setNotFoundHandler((request, reply) =>
    send(request, reply, notFound(`Route ${request.method} ${quoted(request.url.split('?')[0] ?? '', 100)} not found.`))
  )
}, { name: 'error-handler' })
