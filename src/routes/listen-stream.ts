import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { RawData, WebSocket } from 'ws'
import { z } from 'zod'
import type { Config } from '../config.ts'
import { upgradeHeaders } from '../plugins/websocket.ts'
import { deepgramPlanRequest, deepgramReply } from '../protocols/deepgram/plan.ts'
import {
  CLOSE, DEFAULT_STREAM_LIMITS, MAX_FRAME_BYTES, MAX_HELD_BYTES, MAX_UNPROCESSED_BYTES, MAX_UNPROCESSED_FRAMES, PAUSED_PING_MS,
  type StreamLimits
} from '../streaming/constants.ts'
import { ignoredLiveParameters, liveQuery, liveSettings, type LiveSettings } from '../streaming/query.ts'
import { LiveSession, type LiveSink } from '../streaming/session.ts'
import { admit } from '../transcription/admission.ts'
import { planTranscription, type TranscriptionPlan } from '../transcription/plan.ts'
import { authErrors, errorResponse } from '../protocols/deepgram/errors.ts'

const DESCRIPTION = `Deepgram-compatible live transcription: open a WebSocket here and any Deepgram live client works unchanged.

Authenticate with \`Authorization: Token <key>\` (or \`Bearer\`, \`X-API-Token\`), \`?token=<key>\`, or from a browser
\`Sec-WebSocket-Protocol: token, <key>\` (the server answers \`token\`). A refused or invalid request gets a plain
HTTP error (with a \`dg-error\` header) and never a socket.

Client -> server: binary audio frames; text frames \`{"type":"KeepAlive"}\`, \`{"type":"Finalize"}\` (flush: the
resulting Results carry \`from_finalize: true\`) and \`{"type":"CloseStream"}\` (flush, then Metadata, then close 1000).

Server -> client (JSON text frames): \`Results\` (interim with interim_results=true, then final with is_final,
and speech_final at an endpoint), \`SpeechStarted\` (vad_events=true), \`UtteranceEnd\` (utterance_end_ms), and
\`Metadata\` last. Times are audio seconds from the start of the stream.

Closes: 1000 after CloseStream; 1008 \`DATA-0000\` for a text frame that is not JSON (other JSON messages are ignored) or undecodable audio; 1011
\`NET-0001\` after 10 s with neither audio nor a text frame; 1008 \`LIMIT-0001\` when the session reaches its
maximum audio length (finals and Metadata are sent first); 1008 \`LIMIT-0002\` when far more audio is waiting to be
transcribed than allowed, or more than ${MAX_HELD_BYTES / 1048576} MiB of received frames wait to be processed
(reading pauses first, at the buffer limit or at ${MAX_UNPROCESSED_FRAMES} frames or ${MAX_UNPROCESSED_BYTES / 1024} KiB not yet
decoded, so only a client that ignores TCP backpressure gets there); 1001 when the server shuts down (after its
buffered finals and Metadata).

While reading is paused the server pings the client every ${PAUSED_PING_MS} ms, so a client that hangs up is noticed
within a second and its queued and running decodes are dropped.

Without an \`Upgrade: websocket\` header the route answers with this endpoint's limits instead.`

const liveInfo = z.object({
  protocol: z.literal('websocket'),
  message: z.string(),
  limits: z.object({
    max_seconds: z.number().describe('Audio seconds per session'),
    max_buffer_seconds: z.number().describe('Audio seconds waiting to be transcribed before reading pauses'),
    idle_timeout_seconds: z.number().describe('Seconds without audio or a text frame before the socket closes'),
    max_frame_bytes: z.number().describe('Largest WebSocket message accepted')
  })
}).meta({ id: 'LiveListenInfo' })

interface Prepared { settings: LiveSettings, plan: TranscriptionPlan }

/** `dg-error` carries the error message on a refused upgrade, as Deepgram does (the body has it too). */
function headerSafe (text: string): string {
  return text.replace(/[^\x20-\x7e]/g, ' ').slice(0, 512)
}

function bytesOf (data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data)
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data
}

/**
 * `closedWith` hears the code the session closes with (the session itself only tells its sink).
 *
 * pause() stops reading the TCP socket (that is what slows a fast client down), and a socket that is not read
 * never sees the EOF or reset of a client that hung up: its session would go on decoding its backlog for nobody,
 * holding engine queue places for minutes. So a paused socket is pinged: a write to a peer that is gone makes its
 * host answer with a reset, and the next write fails and closes the socket (measured: the hang-up is seen within
 * one to two intervals, for a destroyed socket and for a killed client process alike). Reading on and holding
 * frames back from the session instead would see it at once, but buffers whatever a fast client sends, or cuts a
 * live one.
 */
function sinkFor (socket: WebSocket, closedWith: (code: number) => void): LiveSink {
  let heartbeat: NodeJS.Timeout | undefined
  const stopHeartbeat = (): void => {
    clearInterval(heartbeat)
    heartbeat = undefined
  }
  socket.once('close', stopHeartbeat)
  return {
    send: (message) => { if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message)) },
    close: (code, reason) => {
      stopHeartbeat()
      closedWith(code)
      if (socket.readyState === socket.OPEN) socket.close(code, reason)
      socket.resume() // a paused socket would not read the client's closing handshake (nor see it hang up)
    },
    pause: () => {
      socket.pause()
      heartbeat ??= setInterval(() => { if (socket.readyState === socket.OPEN) socket.ping() }, PAUSED_PING_MS).unref()
    },
    resume: () => {
      stopHeartbeat()
      socket.resume()
    }
  }
}

/**
 * GET /v1/listen over WebSocket. This file only adapts a socket to a LiveSession (src/streaming/): the session
 * knows the protocol, this knows Fastify and ws. Registered inside /v1, so authentication runs before the upgrade.
 */
const listenStreamRoutes: FastifyPluginAsyncZod<{ config: Config, limits?: Partial<StreamLimits> }> = async (fastify, options) => {
  const limits: StreamLimits = { ...DEFAULT_STREAM_LIMITS, ...options.limits }
  const prepared = new WeakMap<object, Prepared>()

  fastify.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode >= 400 && typeof payload === 'string') {
      try {
        const message = (JSON.parse(payload) as { err_msg?: unknown }).err_msg
        if (typeof message === 'string') reply.header('dg-error', headerSafe(message))
      } catch {}
    }
    return payload
  })

  fastify.route({
    method: 'GET',
    url: '/listen',
    schema: {
      tags: ['listen'],
      summary: 'Live transcription over WebSocket (Deepgram live protocol)',
      description: DESCRIPTION,
      querystring: liveQuery,
      response: {
        // OpenAPI cannot describe a protocol switch; the route's zod transform insists on a schema, hence the empty one.
        101: z.object({}).describe('Switching Protocols: the connection becomes the WebSocket session described above'),
        200: liveInfo.describe('Answer to a plain GET without Upgrade: the live endpoint and its limits'),
        ...authErrors,
        503: errorResponse.describe('Engine off (ENGINE_OFF), queue full (SERVER_BUSY) or shutting down')
      }
    },
    // Everything that can refuse the client happens here, before the handler upgrades the connection.
    preHandler: async (request) => {
      // a session that could not be transcribed (engine off, queue full) is refused over HTTP, never upgraded
      admit(fastify.engine)
      const settings = liveSettings(request.query)
      // Live decodes size the encoder window to each utterance unless the client chose (see README).
      const plan = await planTranscription(fastify.engine, deepgramPlanRequest(request.query, { audioCtx: 'auto' }))
      // The VAD worker starts with the first session that needs it: loaded before the upgrade, a session's first
      // frames never wait for it (and a model that cannot load is a 500 here, not a dead session).
      await fastify.vad.detector.ready()
      const ignored = ignoredLiveParameters(request.query)
      if (ignored.length > 0) request.log.info({ ignored }, 'live parameters accepted and ignored')
      // Deepgram's live protocol has no warnings message: what the plan left out (keyterms past whisper's window) is logged
      if (plan.notes.length > 0) request.log.info({ notes: plan.notes }, 'live request adjusted')
      prepared.set(request, { settings, plan })
      upgradeHeaders.set(request.raw, { 'dg-request-id': request.id })
    },
    handler: async () => ({
      protocol: 'websocket' as const,
      message: 'Open a WebSocket on this URL to stream audio (Deepgram live protocol); see /docs.',
      limits: {
        max_seconds: limits.maxSeconds,
        max_buffer_seconds: limits.maxBufferSeconds,
        idle_timeout_seconds: limits.idleTimeoutSeconds,
        max_frame_bytes: MAX_FRAME_BYTES
      }
    }),
    wsHandler: (socket, request) => {
      const { settings, plan } = prepared.get(request) as Prepared
      let closeCode: number | undefined
      const session = new LiveSession(fastify.engine, {
        ...settings,
        diarize: deepgramReply(request.query).diarize,
        requestId: request.id,
        plan,
        limits,
        vad: { detector: fastify.vad.detector, settings: fastify.vad.settings },
        logger: request.log
      }, sinkFor(socket, (code) => { closeCode = code }))
      // One request per session, counted when it ends (before a shutdown's last usage write: the WebSocket drain
      // awaits the same promise): failed when the server closed it with an error code.
      void session.closed.then(() => {
        const failed = closeCode !== undefined && closeCode !== CLOSE.normal.code && closeCode !== CLOSE.goingAway.code
        fastify.recordUsage(request, { failed, audioSeconds: session.audioSeconds })
      })
      const unregister = fastify.onWebSocketShutdown(() => session.shutdown())
      const sessionEnded = fastify.metrics.liveSessionOpened()
      socket.on('message', (data, isBinary) => {
        if (isBinary) session.receiveAudio(bytesOf(data))
        else session.receiveText(Buffer.from(bytesOf(data)).toString('utf8'))
      })
      socket.on('close', () => {
        unregister()
        sessionEnded()
        session.clientGone()
      })
    }
  })
}

export default listenStreamRoutes
