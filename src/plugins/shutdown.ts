import type { Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { shuttingDown, type AppError } from '../errors.ts'
import { SHUTDOWN_FLUSH_MS } from '../live/tuning.ts'
import { isWebSocketUpgrade } from './auth.ts'
import { hasBody } from './connections.ts'

export interface ShutdownOptions {
  /** SHUTDOWN_DRAIN_DELAY: the least time the port stays open, answering 503, once shutdown has begun. */
  drainDelayMs: number
  /** SHUTDOWN_GRACE_SECONDS: live sessions start finishing early enough to deliver their finals within it. */
  graceMs: number
}

type Drain = () => Promise<void>

export interface Shutdown {
  /** Aborted when the app starts closing: from then on it is not ready and new requests get 503. */
  readonly signal: AbortSignal
  /** What must finish before the port closes, started once the not-ready phase is over (live sessions). */
  onDrain: (drain: Drain) => void
}

/** Margin, on top of a live session's own flush budget, between its last finals and the end of the grace period. */
const SESSION_MARGIN_MS = 1000

/**
 * The order of app.close() (SIGTERM, SIGINT, the tests, the CLI), run as fastify's first preClose hook, while the
 * port is still open:
 * 1. not ready: /health answers 503 with `server: shutting down`, every other new request — a kept-alive
 *    connection's too — 503 SERVER_SHUTTING_DOWN in its protocol's shape, a WebSocket upgrade included. A balancer
 *    sees that instead of refused connections. Requests already received go on.
 * 2. once no request is in flight and SHUTDOWN_DRAIN_DELAY is over: live sessions finish (their finals and
 *    Metadata, close 1001). They are what a shutdown cuts short, so they run until nothing else is left, and the
 *    delay lets the balancer stop sending here first, so their clients reconnect elsewhere. They start earlier if
 *    they would otherwise miss the grace period.
 * 3. then fastify closes the port (idle kept-alive connections too) and the onClose hooks run: callback jobs, usage,
 *    the engine, the database.
 */
export default fp<ShutdownOptions>(async (fastify, { drainDelayMs, graceMs }) => {
  const stop = new AbortController()
  const drains = new Set<Drain>()
  const inFlight = new Set<FastifyRequest>()
  const waitingForIdle: Array<() => void> = []

  fastify.decorate('shutdown', {
    signal: stop.signal,
    onDrain: (drain: Drain) => { drains.add(drain) }
  } satisfies Shutdown)

  const refusedUploads = new Set<Socket>()
  const refuse = (request: FastifyRequest, reply: FastifyReply): AppError => {
    const { raw } = request
    if (isWebSocketUpgrade(request)) {
      // node leaves an upgrade's socket to its handler (here @fastify/websocket, whose hooks this refusal skips)
      reply.raw.once('finish', () => { raw.socket.destroy() })
    } else if (hasBody(raw) && !raw.complete) {
      // Fastify's `Connection: close` would end the socket with the body unread, and the client, still sending,
      // would get a reset instead of the 503: node reads and drops the rest, as on any kept-alive connection,
      // and the connection closes once it is in.
      reply.raw.removeHeader('connection')
      const socket = raw.socket
      refusedUploads.add(socket)
      socket.once('close', () => { refusedUploads.delete(socket) })
      raw.once('end', () => { socket.end() })
    }
    return shuttingDown()
  }

  fastify.addHook('onRequest', async (request, reply) => {
    if (stop.signal.aborted) {
      if (request.routeOptions.config.answersDuringShutdown === true) return
      throw refuse(request, reply)
    }
    // a live session is drained as such (onDrain), not waited for as a request
    if (isWebSocketUpgrade(request)) return
    inFlight.add(request)
    reply.raw.once('close', () => {
      inFlight.delete(request)
      if (inFlight.size === 0) for (const resolve of waitingForIdle.splice(0)) resolve()
    })
  })

  const idle = (): Promise<void> => inFlight.size === 0
    ? Promise.resolve()
    : new Promise((resolve) => { waitingForIdle.push(resolve) })

  fastify.addHook('preClose', async () => {
    stop.abort()
    fastify.readiness.add({ name: 'server', check: () => 'shutting down' })
    fastify.log.info({ in_flight: inFlight.size, drain_delay_ms: drainDelayMs }, 'shutting down: not ready, new requests get 503')
    const timers = new AbortController()
    const wait = (ms: number): Promise<void> => sleep(ms, undefined, { signal: timers.signal }).catch(() => {})
    const delay = wait(drainDelayMs)
    try {
      await Promise.race([Promise.all([delay, idle()]), wait(Math.max(0, graceMs - SHUTDOWN_FLUSH_MS - SESSION_MARGIN_MS))])
      fastify.log.info({ in_flight: inFlight.size }, 'shutting down: finishing live sessions')
      await Promise.all([Promise.allSettled([...drains].map(async (drain) => { await drain() })), delay, idle()])
    } finally {
      timers.abort()
    }
    // the port closes after the work taken; a refused upload still arriving then has had its answer
    for (const socket of refusedUploads) socket.destroy()
    fastify.log.info('shutting down: closing the port')
  })
}, { name: 'shutdown', dependencies: ['readiness'] })

declare module 'fastify' {
  interface FastifyInstance {
    shutdown: Shutdown
  }
  interface FastifyContextConfig {
    /** Answered as usual while the server shuts down: the health probes, which report the shutdown themselves. */
    answersDuringShutdown?: boolean
  }
}
