import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { finished, Transform, type Readable } from 'node:stream'
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { bodyTooLarge, type AppError } from '../errors.ts'
import { hasBody } from './connections.ts'

/**
 * @fastify/multipart pipes request.raw into busboy itself and never reads the stream preParsing returns: its
 * bodies are counted on request.raw. It is registered in the /v1/audio context only, and takes multipart/form-data.
 */
const readByMultipart = (request: FastifyRequest): boolean =>
  request.server.hasRequestDecorator('isMultipart') &&
  (request.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data')

/**
 * How long a client answered mid-upload has to read the answer before its connection is reset. Node destroys a
 * `Connection: close` socket as soon as the answer is flushed, and with body bytes still arriving unread that close
 * sends a reset, which can reach a client busy writing before it read the answer: it sees ECONNRESET, not the 413.
 */
const LINGER_MS = 2000

/**
 * Replaces Node's destroy-once-flushed (destroySoon, called after a `Connection: close` response): the answer and
 * a FIN go out, nothing more is read (Node's dump of an unread body included), and the socket is destroyed after
 * LINGER_MS. Meanwhile the client's writes stall on a full window, and it reads the answer.
 */
function closeUnread (raw: IncomingMessage, lingering: Set<Socket>): void {
  const socket = raw.socket as Socket | null
  if (socket === null) return
  socket.destroySoon = () => {
    socket.end()
    raw.removeAllListeners('data')
    raw.pause()
    socket.pause()
    lingering.add(socket)
    const timer = setTimeout(() => { socket.destroy() }, LINGER_MS)
    socket.once('close', () => {
      clearTimeout(timer)
      lingering.delete(socket)
    })
  }
}

/** The body as Fastify's parsers read it, failing with `refusal` at the byte past `limit`. */
function counted (payload: Readable, limit: number, refusal: () => AppError): Readable {
  let received = 0
  const counter = new Transform({
    transform (chunk: Buffer, _encoding, callback) {
      received += chunk.length
      if (received > limit) callback(refusal())
      else callback(null, chunk)
    }
  })
  // a pipe does not pass the client's hang-up on, and the parser would wait for the end of the body forever
  finished(payload, (err) => { if (err !== undefined && err !== null) counter.destroy(err) })
  return payload.pipe(counter)
}

/** The same count on request.raw, for a reader that takes it directly (busboy), failed through the request's 'error'. */
function countRaw (raw: IncomingMessage, limit: number, refusal: () => AppError): void {
  let received = 0
  // A 'data' listener would start the flow now, losing those bytes to busboy, which is piped in later (preValidation);
  // paused, the flow starts with that pipe, and both see every chunk.
  raw.pause()
  const count = (chunk: Buffer): void => {
    received += chunk.length
    if (received <= limit) return
    raw.off('data', count)
    raw.unpipe()
    // @fastify/multipart listens for the request's errors: its parts iterator fails with the 413
    if (raw.listenerCount('error') > 0) raw.emit('error', refusal())
    else raw.destroy(refusal())
  }
  raw.on('data', count)
}

/**
 * Request bodies over their route's bodyLimit (BODY_LIMIT; the multipart routes add room for the text fields) are
 * refused as soon as that is known, after authentication (preParsing follows the onRequest hooks): from
 * Content-Length before any of the body is read, otherwise (chunked) at the byte past the limit, whoever reads the
 * body. The 413 is the route's own error shape.
 *
 * A response given while the client is still sending (any: a 413, the auth hook's 401, a full queue's 503) closes
 * the connection, without reading the rest of the body: Node would otherwise read and discard it all to keep the
 * connection alive. See closeUnread for how.
 */
export default fp(async (fastify) => {
  const bodyLimit = fastify.initialConfig.bodyLimit ?? Number.MAX_SAFE_INTEGER

  fastify.addHook('preParsing', async (request, _reply, payload) => {
    if (!hasBody(request.raw)) return payload
    const limit = request.routeOptions.bodyLimit ?? bodyLimit
    // the setting a user can change (the multipart routes' margin for text fields is not one)
    const refusal = (): AppError => bodyTooLarge(bodyLimit)
    if (Number(request.headers['content-length']) > limit) throw refusal()
    if (!readByMultipart(request)) return counted(payload, limit, refusal)
    countRaw(request.raw, limit, refusal)
    return payload
  })

  const lingering = new Set<Socket>()
  fastify.addHook('onSend', async (request, reply) => {
    if (!hasBody(request.raw) || request.raw.complete) return
    reply.header('connection', 'close')
    closeUnread(request.raw, lingering)
  })
  // preClose, not onClose: the server's close (which onClose hooks follow) waits for every connection, and these
  // have nothing more to say
  fastify.addHook('preClose', async () => {
    for (const socket of lingering) socket.destroy()
  })
}, { name: 'body-limit' })
