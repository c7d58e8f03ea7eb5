import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { UsageRecorder, type UsageOutcome } from '../usage/recorder.ts'

/**
 * Usage per key (docs/keys-and-usage.md "Usage"). Every request that passed authentication counts once, when it ends: failed when
 * it was answered 4xx/5xx (a per-key 429 included) or the client left before the answer. Routes that transcribe set
 * `request.transcribedSeconds`; live sessions, which outlive their HTTP request, report through `recordUsage`.
 */
export default fp<{ flushMs: number }>(async (fastify, { flushMs }) => {
  const recorder = new UsageRecorder(fastify.usageRepository, {
    flushMs,
    onError: (err) => fastify.log.warn({ err }, 'could not write key usage; kept for the next write')
  })
  const counted = new WeakSet<FastifyRequest>()

  const recordUsage = (request: FastifyRequest, outcome: UsageOutcome): void => {
    // apiKey is undefined, not null, in contexts made before the auth plugin decorated requests (Swagger UI's)
    const keyId = request.apiKey?.id
    if (keyId === undefined || counted.has(request)) return
    counted.add(request)
    recorder.record(keyId, outcome)
  }

  fastify.decorate('usage', recorder)
  fastify.decorate('recordUsage', recordUsage)
  fastify.decorateRequest('transcribedSeconds', 0)
  fastify.decorateRequest('failedAfterReply', false)

  // 'close' rather than onResponse: it also comes when the client hangs up before the answer (no 'finish' then).
  // Upgraded WebSockets are left to their session; a refused upgrade is answered, so counted here.
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.raw.once('close', () => {
      if (request.apiKey == null || (request.ws && !reply.raw.writableFinished)) return
      const abandoned = !reply.raw.writableFinished
      if (abandoned) request.log.info('client left before the answer: usage counts a failed request')
      const failed = abandoned || reply.statusCode >= 400 || request.failedAfterReply
      recordUsage(request, { failed, audioSeconds: request.transcribedSeconds })
    })
    done()
  })
  // Registered after the database plugin, so this runs before the store closes.
  fastify.addHook('onClose', async () => { await recorder.close() })
}, { name: 'usage', dependencies: ['database'] })

declare module 'fastify' {
  interface FastifyInstance {
    usage: UsageRecorder
    /** Counts a request once (later calls for the same request are ignored); live sessions call it when they end. */
    recordUsage: (request: FastifyRequest, outcome: UsageOutcome) => void
  }
  interface FastifyRequest {
    /** Seconds of audio this request transcribed; the route sets it once the transcription succeeded. */
    transcribedSeconds: number
    /** A streamed reply (OpenAI's stream=true) that failed after its 200 went out. */
    failedAfterReply: boolean
  }
}
