/**
 * Deepgram's error shape `{err_code, err_msg, request_id, ...extra}`: the body every refusal outside the OpenAI
 * routes carries (the error handler, src/plugins/error-handler.ts, renders it), and its schema for /docs.
 */
import { z } from 'zod'
import { clip, type AppError } from '../../errors.ts'

/** The body Deepgram clients expect for every error. */
export const errorBody = (err: AppError, requestId: string): Record<string, unknown> =>
  ({ err_code: err.code, err_msg: clip(err.message), ...err.extra, request_id: requestId })

/** Deepgram's legacy error body; extra fields (expires_at, retry_after, details) are kept. */
export const errorResponse = z
  .looseObject({
    err_code: z.string().meta({ example: 'INVALID_AUTH' }),
    err_msg: z.string().meta({ example: 'Invalid credentials.' }),
    request_id: z.string().meta({ example: '3d1c7a2e-8f0a-4a51-9d77-1b1f5e9f2c11' })
  })
  .meta({ id: 'ErrorResponse', description: 'Deepgram-shaped error' })

/** The refusals every authenticated route can give. */
export const authErrors = {
  400: errorResponse.describe('Bad request'),
  401: errorResponse.describe('Missing, unknown or revoked key'),
  403: errorResponse.describe('Expired key (body has expires_at)'),
  429: errorResponse.describe('Rate limit exceeded (body has retry_after; Retry-After header)')
} as const
