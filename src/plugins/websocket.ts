import type { IncomingMessage } from 'node:http'
import fp from 'fastify-plugin'
import websocket from '@fastify/websocket'
import { MAX_FRAME_BYTES } from '../live/tuning.ts'

/**
 * Browsers cannot set headers on a WebSocket, so they send the key as `Sec-WebSocket-Protocol: token, <key>`;
 * the handshake must then answer with one of the offered protocols, and `token` is the one that is not secret.
 */
export function selectProtocol (offered: Set<string>): string | false {
  return offered.has('token') ? 'token' : false
}

type Drain = () => Promise<void>

/**
 * Headers to add to an upgrade's 101 response (ws writes that response itself, so reply.header cannot): a route
 * sets them while it still handles the request as HTTP, e.g. Deepgram's `dg-request-id`.
 */
export const upgradeHeaders = new WeakMap<IncomingMessage, Record<string, string>>()

/**
 * WebSocket support (@fastify/websocket) for the live routes. Upgrades go through the normal route pipeline, so
 * /v1's auth hook and the route's validation refuse a client with a plain HTTP error before any socket exists.
 *
 * On app close every open socket is asked to finish (its route registered how, via `onWebSocketShutdown`) in the
 * drain phase of plugins/shutdown.ts: live sessions deliver their buffered finals and Metadata and close 1001.
 * Whatever is still open after that is cut.
 */
export default fp(async (fastify) => {
  const drains = new Set<Drain>()
  fastify.decorate('onWebSocketShutdown', (drain: Drain) => {
    drains.add(drain)
    return () => { drains.delete(drain) }
  })
  fastify.shutdown.onDrain(async () => { await Promise.allSettled([...drains].map(async (drain) => { await drain() })) })

  await fastify.register(websocket, {
    options: { maxPayload: MAX_FRAME_BYTES, handleProtocols: selectProtocol },
    errorHandler (error, socket, request) {
      // Socket-level failures (a frame over maxPayload, a reset connection) are the client's, not ours.
      request.log.info({ err: { message: error.message } }, 'websocket error')
      socket.terminate()
    },
    preClose: async () => {
      const server = fastify.websocketServer
      for (const client of server.clients) client.terminate()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
  fastify.websocketServer.on('headers', (headers: string[], request: IncomingMessage) => {
    for (const [name, value] of Object.entries(upgradeHeaders.get(request) ?? {})) headers.push(`${name}: ${value}`)
  })
}, { name: 'websocket', dependencies: ['shutdown'] })

declare module 'fastify' {
  interface FastifyInstance {
    /** Registers a socket's graceful shutdown for app close; returns the function that unregisters it. */
    onWebSocketShutdown: (drain: Drain) => () => void
  }
}
