import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { AppError } from '../errors.ts'

/** Fastify's own 4xx codes, mapped to the names Deepgram clients see. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Bad Request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'Bad Request'
}

function send (request: FastifyRequest, reply: FastifyReply, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return reply
    .code(status)
    .headers({ ...headers, 'dg-request-id': request.id })
    .type('application/json; charset=utf-8')
    .send({ ...body, request_id: request.id })
}

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
    if (error instanceof AppError) {
      if (error.statusCode >= 500) request.log.warn({ code: error.code }, error.message)
      return send(request, reply, error.statusCode, { err_code: error.code, err_msg: error.message, ...error.extra }, error.headers)
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const details = error.validation.map((v) => ({ location: error.validationContext, path: v.instancePath, message: v.message }))
      const first = details[0]
      const path = first?.path.split('/').filter((p) => p !== '').join('.') ?? ''
      const where = path === '' ? error.validationContext : `${error.validationContext} parameter '${path}'`
      return send(request, reply, 400, {
        err_code: 'Bad Request',
        err_msg: `Invalid ${where}: ${first?.message ?? 'invalid request'}`,
        details
      })
    }
    const status = error.statusCode ?? 500
    if (status < 500 && status >= 400) {
      return send(request, reply, status, { err_code: FASTIFY_CODES[error.code] ?? 'Bad Request', err_msg: error.message })
    }
    request.log.error({ err: error }, 'request failed')
    return send(request, reply, 500, { err_code: 'INTERNAL_SERVER_ERROR', err_msg: 'Internal server error.' })
  })

  fastify.setNotFoundHandler((request, reply) =>
    send(request, reply, 404, { err_code: 'NOT_FOUND', err_msg: `Route ${request.method} ${request.url.split('?')[0]} not found.` })
  )
}, { name: 'error-handler' })
