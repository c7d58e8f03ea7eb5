import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Config } from '../config.ts'
import { DEFAULT_LIVE_LIMITS, MAX_FRAME_BYTES, type LiveLimits } from '../live/tuning.ts'
import { messageBytes, websocketTransport } from '../live/websocket-transport.ts'
import { upgradeHeaders } from '../plugins/websocket.ts'
import { closedOnError } from '../protocols/deepgram/live/close-codes.ts'
import { LIVE_DESCRIPTION } from '../protocols/deepgram/live/description.ts'
import { ignoredLiveParameters, liveQuery, liveSettings, type DeepgramLiveSettings } from '../protocols/deepgram/live/query.ts'
import { DeepgramLiveSession } from '../protocols/deepgram/live/session.ts'
import { deepgramPlanRequest, deepgramReply } from '../protocols/deepgram/plan.ts'
import { admit } from '../transcription/admission.ts'
import { planTranscription, type TranscriptionPlan } from '../transcription/plan.ts'
import { authErrors, errorResponse } from '../protocols/deepgram/errors.ts'

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

interface Prepared { settings: DeepgramLiveSettings, plan: TranscriptionPlan }

/** `dg-error` carries the error message on a refused upgrade, as Deepgram does (the body has it too). */
function headerSafe (text: string): string {
  return text.replace(/[^\x20-\x7e]/g, ' ').slice(0, 512)
}

/**
 * GET /v1/listen over WebSocket: the plan and admission before the upgrade, then the socket to Deepgram's live
 * adapter (src/protocols/deepgram/live/), which stands on the protocol-neutral live core (src/live/). This file knows
 * Fastify and ws; the adapter knows the protocol. Registered inside /v1, so authentication runs before the upgrade.
 */
const listenStreamRoutes: FastifyPluginAsyncZod<{ config: Config, limits?: Partial<LiveLimits> }> = async (fastify, options) => {
  const limits: LiveLimits = { ...DEFAULT_LIVE_LIMITS, ...options.limits }
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
      description: LIVE_DESCRIPTION,
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
      // Live decodes size the encoder window to each utterance unless the client chose (see docs/deepgram.md "Short audio").
      const plan = await planTranscription(fastify.engine.models, deepgramPlanRequest(request.query, { audioCtx: 'auto' }))
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
      const session = new DeepgramLiveSession(fastify.engine, {
        ...settings,
        diarize: deepgramReply(request.query).diarize,
        requestId: request.id,
        plan,
        limits,
        vad: { detector: fastify.vad.detector, settings: fastify.vad.settings },
        logger: request.log
      }, websocketTransport(socket))
      // One request per session, counted when it ends (before a shutdown's last usage write: the WebSocket drain
      // awaits the same promise): failed when the server closed it with an error code.
      void session.closed.then(() => {
        fastify.recordUsage(request, { failed: closedOnError(session.closeCode), audioSeconds: session.audioSeconds })
      })
      const unregister = fastify.onWebSocketShutdown(() => session.shutdown())
      const sessionEnded = fastify.metrics.liveSessionOpened()
      socket.on('message', (data, isBinary) => {
        if (isBinary) session.receiveAudio(messageBytes(data))
        else session.receiveText(Buffer.from(messageBytes(data)).toString('utf8'))
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
