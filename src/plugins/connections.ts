import type { IncomingMessage } from 'node:http'
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { requestTimeout, shuttingDown, type AppError } from '../errors.ts'
import { closeWithError } from './error-handler.ts'
import { isWebSocketUpgrade } from './auth.ts'

export interface ConnectionLimits {
  /** Longest pause while a request body arrives; reset by every chunk, so a flowing upload is never cut. */
  bodyIdleMs: number
  /** From a WebSocket upgrade request to its 101 (authentication and route checks included). */
  handshakeMs: number
}

/** At shutdown, the longest pause an upload still arriving may take. */
export const SHUTDOWN_BODY_IDLE_MS = 2000

export const hasBody = (raw: IncomingMessage): boolean =>
  raw.headers['transfer-encoding'] !== undefined || Number(raw.headers['content-length'] ?? 0) > 0

/**
 * What node's own timeouts (headers, whole request, keep-alive; set in app.ts) cannot bound: the pauses inside
 * a body, and a WebSocket handshake that the route pipeline holds up. Each cut connection gets a Deepgram-shaped
 * 408 when no response has begun. No socket timeout outlives the body: a long transcription, during which the
 * connection is silent, is never cut.
 *
 * Shutdown (plugins/shutdown.ts refuses new requests): a request whose body is still arriving may finish within
 * the grace period while it keeps flowing, but one that stalls is answered 503 SERVER_SHUTTING_DOWN after a short
 * pause instead of holding the process for the whole grace period.
 */
export default fp<ConnectionLimits>(async (fastify, limits) => {
  const receiving = new Set<FastifyRequest>()
  const closing = fastify.shutdown.signal

  const cut = (request: FastifyRequest, err: AppError): void => {
    receiving.delete(request)
    request.log.info({ code: err.code, status: err.statusCode }, err.message)
    closeWithError(request.raw.socket, err, request.id)
  }

  fastify.addHook('onRequest', async (request, reply) => {
    const raw = request.raw
    if (isWebSocketUpgrade(request)) {
      const timer = setTimeout(() => { cut(request, requestTimeout('the WebSocket handshake did not complete in time')) }, limits.handshakeMs)
      handshakes.set(raw, timer)
      raw.socket.once('close', () => { clearTimeout(timer) })
      // A refused upgrade is answered over HTTP: that answer ends the handshake too.
      reply.raw.once('finish', () => { clearTimeout(timer) })
      return
    }
    if (!hasBody(raw) || raw.complete) return
    receiving.add(request)
    raw.setTimeout(limits.bodyIdleMs, () => {
      cut(request, closing.aborted ? shuttingDown() : requestTimeout(`no body data for ${limits.bodyIdleMs / 1000} s`))
    })
    const received = (): void => {
      if (!receiving.delete(request)) return
      raw.setTimeout(0)
    }
    raw.once('end', received)
    raw.once('close', received)
  })

  const handshakes = new WeakMap<IncomingMessage, NodeJS.Timeout>()
  fastify.websocketServer.on('headers', (_headers: string[], raw: IncomingMessage) => {
    clearTimeout(handshakes.get(raw))
  })

  closing.addEventListener('abort', () => {
    // Uploads still arriving may finish within the grace period as long as they keep flowing; one that pauses
    // for SHUTDOWN_BODY_IDLE_MS is answered 503 and closed, instead of holding the process.
    for (const request of receiving) request.raw.socket.setTimeout(Math.min(limits.bodyIdleMs, SHUTDOWN_BODY_IDLE_MS))
  })
}, { name: 'connections', dependencies: ['error-handler', 'shutdown', 'websocket'] })
