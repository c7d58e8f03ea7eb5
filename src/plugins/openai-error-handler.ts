import fp from 'fastify-plugin'
import type { FastifyError, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { toOpenAiError } from '../protocols/openai/errors.ts'

export interface OpenAiErrorHandlerOptions {
  /** True while a request's multipart body is still being read: an error then means a broken upload, not a bug. */
  uploadIncomplete: (request: FastifyRequest) => boolean
}

/**
 * OpenAI's error shape for the context that registers this plugin (the /v1/audio routes): errors thrown there,
 * including by the /v1 auth hook (401, 429) and the multipart parser, and unknown paths under the context's prefix.
 * The rest of the server keeps Deepgram's shape (error-handler.ts). Every reply still carries `dg-request-id`
 * (set on request) and OpenAI's `x-request-id`.
 */
export default fp<OpenAiErrorHandlerOptions>(async (fastify, { uploadIncomplete }) => {
  // the /v1 auth hook runs before this one: refusals get the header from the error handler below
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    done()
  })

  fastify.setErrorHandler((error: FastifyError, request, reply) => {
    const validation = hasZodFastifySchemaValidationErrors(error) ? error.validation : undefined
    const result = toOpenAiError(error, { validation, malformed: uploadIncomplete(request) })
    if (result.unexpected) request.log.error({ err: error }, 'request failed')
    else if (result.status >= 500) request.log.warn({ code: result.body.error.code }, result.body.error.message)
    return reply.code(result.status).headers({ ...result.headers, 'x-request-id': request.id }).type('application/json; charset=utf-8').send(result.body)
  })

  fastify.setNotFoundHandler((request, reply) => {
    const result = toOpenAiError(Object.assign(new Error('not found'), { statusCode: 404 }))
    result.body.error.message = `Unknown request URL: ${request.method} ${request.url.split('?')[0]}.`
    result.body.error.code = 'unknown_url'
    return reply.code(404).header('x-request-id', request.id).type('application/json; charset=utf-8').send(result.body)
  })
}, { name: 'openai-error-handler', encapsulate: false })
