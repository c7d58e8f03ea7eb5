import { z } from 'zod'

/** Deepgram's legacy error body; extra fields (expires_at, retry_after, details) are kept. */
export const errorBody = z
  .looseObject({
    err_code: z.string().meta({ example: 'INVALID_AUTH' }),
    err_msg: z.string().meta({ example: 'Invalid credentials.' }),
    request_id: z.string().meta({ example: '3d1c7a2e-8f0a-4a51-9d77-1b1f5e9f2c11' })
  })
  .meta({ id: 'ErrorResponse', description: 'Deepgram-shaped error' })

/** The refusals every authenticated route can give. */
export const authErrors = {
  400: errorBody.describe('Bad request'),
  401: errorBody.describe('Missing, unknown or revoked key'),
  403: errorBody.describe('Expired key (body has expires_at)'),
  429: errorBody.describe('Rate limit exceeded (body has retry_after; Retry-After header)')
} as const
