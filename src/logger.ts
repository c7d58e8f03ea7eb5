import type { FastifyServerOptions } from 'fastify'
import type { DestinationStream } from 'pino'

/** Keys must never reach a log line, whichever header or query parameter carried them. */
export const REDACTED_HEADERS = ['authorization', 'x-api-token', 'api-token', 'sec-websocket-protocol']

export const redactUrl = (url: string): string => url.replace(/([?&]token=)[^&#]*/gi, '$1[REDACTED]')

export function loggerOptions (level: string, stream?: DestinationStream): FastifyServerOptions['logger'] {
  return {
    level,
    ...(stream === undefined ? {} : { stream }),
    redact: { paths: REDACTED_HEADERS.map((h) => `req.headers["${h}"]`), censor: '[REDACTED]' },
    serializers: {
      req (req: { method: string, url: string, ip?: string, id?: string }) {
        return { method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }
      }
    }
  }
}
