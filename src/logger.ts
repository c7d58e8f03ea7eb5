import type { FastifyServerOptions } from 'fastify'
import type { DestinationStream } from 'pino'
import { CREDENTIAL_HEADERS } from './auth/credentials.ts'
import { REDACTED, redactHeaders, redactUrl } from './auth/redact.ts'

export { redactUrl }

/**
 * No key, whichever header or query parameter carried it, may reach a log line. Request lines log the URL with
 * secret parameters redacted (names matched after query decoding) and no headers; any headers object logged
 * elsewhere goes through the same redaction, and the fixed paths below catch the usual places by name.
 */
export const REDACTED_PATHS = ['req.headers', 'request.headers', 'res.headers', 'headers']
  .flatMap((base) => CREDENTIAL_HEADERS.map((h) => `${base}["${h}"]`))

export function loggerOptions (level: string, stream?: DestinationStream): FastifyServerOptions['logger'] {
  return {
    level,
    ...(stream === undefined ? {} : { stream }),
    redact: { paths: REDACTED_PATHS, censor: REDACTED },
    serializers: {
      req (req: { method: string, url: string, ip?: string }) {
        return { method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }
      },
      headers: (headers: Record<string, unknown>) => redactHeaders(headers)
    }
  }
}
