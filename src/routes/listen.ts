import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Config } from '../config.ts'
import { fetchAudioUrl } from '../audio/fetch-url.ts'
import { clientClosedRequest, quoted, unsupportedMediaType } from '../errors.ts'
import { checkCallbackUrl } from '../jobs/spec.ts'
import { sha256Hex } from '../audio/hash.ts'
import { deepgramPlanRequest } from '../protocols/deepgram/plan.ts'
import { parameterWarnings, planWarnings } from '../protocols/deepgram/parameters.ts'
import { extraOf, listenResponse as shapeListenResponse } from '../protocols/deepgram/response.ts'
import { admit } from '../transcription/admission.ts'
import { planTranscription } from '../transcription/plan.ts'
import { transcribe } from '../transcription/transcribe.ts'
import { KNOWN_QUERY_KEYS, listenAccepted, listenBody, listenBodyByMediaType, listenQuery, listenResponse } from './listen-schema.ts'
import { authErrors, errorBody } from './schemas.ts'

const AUDIO_TYPES = ['audio/*', 'video/*', 'application/octet-stream', 'deepgram/audio+video']

const listenRoutes: FastifyPluginAsyncZod<{ config: Config }> = async (fastify, { config }) => {
  // Audio arrives as raw bytes under several media types; clients that send none (or curl's form default) too.
  // text/plain would otherwise reach the handler as a string: route it to the catch-all below for a clear 415.
  fastify.removeContentTypeParser('text/plain')
  const asBytes = { parseAs: 'buffer' as const, bodyLimit: config.BODY_LIMIT }
  fastify.addContentTypeParser(['application/octet-stream', 'deepgram/audio+video'], asBytes, (_req, body, done) => { done(null, body) })
  fastify.addContentTypeParser(/^(audio|video)\//, asBytes, (_req, body, done) => { done(null, body) })
  fastify.addContentTypeParser('*', asBytes, (req, body, done) => {
    const type = req.headers['content-type']
    if (type === undefined || type.startsWith('application/x-www-form-urlencoded')) return done(null, body)
    done(unsupportedMediaType(
      `Content-Type ${quoted(type, 100)} is not supported: send audio as ${AUDIO_TYPES.join(', ')}, or JSON {"url": "…"} as application/json.`))
  })

  fastify.post('/listen', {
    schema: {
      tags: ['listen'],
      summary: 'Transcribe pre-recorded audio (raw body) or audio at a URL (JSON {"url"})',
      description: 'Deepgram-compatible. Send the audio bytes with an audio/*, video/* or application/octet-stream ' +
        'Content-Type, or `{"url": "https://…"}` as application/json. Unknown Deepgram parameters are accepted and ' +
        'listed in metadata.warnings. With `callback` the request is queued and answered at once with ' +
        '`{"request_id"}`; the response is POSTed (or PUT, `callback_method`) to the callback URL when ready.',
      querystring: listenQuery,
      body: listenBody,
      bodyByMediaType: listenBodyByMediaType,
      response: { 200: z.union([listenResponse, listenAccepted]), ...authErrors, 413: errorBody, 415: errorBody, 503: errorBody }
    },
    // After authentication, before the body is read: a full engine queue refuses at once (callback jobs queue instead).
    onRequest: async (request) => {
      if ((request.query as Record<string, unknown>).callback === undefined) admit(fastify.engine)
    }
  }, async (request, reply) => {
    const query = request.query
    // Everything that can refuse the request is settled first: no download, no decode for a request that cannot run.
    const plan = await planTranscription(fastify.engine, deepgramPlanRequest(query, {}), fastify.vad.planDefaults)
    const callbackUrl = query.callback === undefined ? undefined : checkCallbackUrl(query.callback, config.ALLOW_PRIVATE_URLS)
    // The client hanging up abandons the job: queued work is dropped before it costs a decode.
    const gone = new AbortController()
    reply.raw.on('close', () => { if (!reply.raw.writableFinished) gone.abort(clientClosedRequest()) })

    // the upload may have taken long: checked again before a URL is fetched or the audio decoded
    if (callbackUrl === undefined) admit(fastify.engine)
    let bytes: Uint8Array
    if (Buffer.isBuffer(request.body)) {
      bytes = request.body
    } else {
      bytes = await fetchAudioUrl(request.body.url, {
        maxBytes: config.URL_MAX_BYTES,
        timeoutMs: config.URL_TIMEOUT * 1000,
        maxRedirects: config.URL_MAX_REDIRECTS,
        allowPrivate: config.ALLOW_PRIVATE_URLS,
        signal: gone.signal
      })
    }
    const audio = { encoding: query.encoding, sampleRate: query.sample_rate, channels: query.channels, contentType: request.headers['content-type'] }
    const echo = { tags: query.tag, extra: extraOf(query.extra), warnings: [...parameterWarnings(query, KNOWN_QUERY_KEYS), ...planWarnings(plan.notes)] }
    if (callbackUrl !== undefined) {
      // Async (Deepgram's callback): the audio is in hand, the job is queued, the id returned at once.
      await fastify.jobs.submit({
        requestId: request.id,
        plan,
        audio,
        response: echo,
        callback: { url: callbackUrl.href, method: query.callback_method?.toUpperCase() === 'PUT' ? 'PUT' : 'POST' },
        submittedAt: new Date().toISOString()
      }, bytes)
      request.log.info({ request_id: request.id, queue: fastify.jobs.kind }, 'callback job queued')
      return { request_id: request.id }
    }
    const result = await transcribe(fastify.engine, { bytes, ...audio }, plan, { maxSeconds: config.MAX_AUDIO_SECONDS, signal: gone.signal, vad: fastify.vad.detector })
    request.transcribedSeconds = result.duration
    return shapeListenResponse(result, plan, { requestId: request.id, sha256: sha256Hex(bytes), ...echo })
  })
}

export default listenRoutes
