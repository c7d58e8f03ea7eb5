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

const hasBody = (raw: IncomingMessage): boolean =>
  raw.headers['transfer-encoding'] !== undefined || Number(raw.headers['content-length'] ?? 0) > 0

/**
 * What node's own timeouts (headers, whole request, keep-alive; set in app.ts) cannot bound: the pauses inside
 * a body, and a WebSocket handshake that the route pipeline holds up. Each cut connection gets a Deepgram-shaped
 * 408 when no response has begun. No socket timeout outlives the body: a long transcription, during which the
 * connection is silent, is never cut.
 *
 * Shutdown: new requests get 503 SERVER_SHUTTING_DOWN, and requests whose body is still arriving are answered
 * the same at once (a stalled upload would otherwise hold the process for the whole grace period); requests
 * already received finish within the grace period.
 */
export default fp<ConnectionLimits>(async (fastify, limits) => {
  const receiving = new Set<FastifyRequest>()
  let closing = false

  const cut = (request: FastifyRequest, err: AppError): void => {
    receiving.delete(request)
    request.log.info({ code: err.code, status: err.statusCode }, err.message)
    closeWithError(request.raw.socket, err, request.id)
  }

  fastify.addHook('onRequest', async (request) => {
    if (closing) throw shuttingDown()
    const raw = request.raw
    if (isWebSocketUpgrade(request)) {
      const timer = setTimeout(() => { cut(request, requestTimeout('the WebSocket handshake did not complete in time')) }, limits.handshakeMs)
      handshakes.set(raw, timer)
      raw.socket.once('close', () => { clearTimeout(timer) })
      return
    }
    if (!hasBody(raw) || raw.complete) return
    receiving.add(request)
    raw.setTimeout(limits.bodyIdleMs, () => { cut(request, requestTimeout(`no body data for ${limits.bodyIdleMs / 1000} s`)) })
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

  fastify.addHook('preClose', (done) => {
    closing = true
    for (const request of [...receiving]) cut(request, shuttingDown())
    done()
  })
}, { name: 'connections', dependencies: ['error-handler', 'websocket'] })
