import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Config } from '../config.ts'
import { clientClosedRequest, quoted, unsupportedMediaType } from '../errors.ts'
import { authErrors, errorResponse } from '../protocols/deepgram/errors.ts'
import { listen, prepareListen, type ListenContext } from '../protocols/deepgram/rest.ts'
import { listenAccepted, listenBody, listenBodyByMediaType, listenQuery, listenResponse } from '../protocols/deepgram/rest-schema.ts'
import { admit } from '../transcription/admission.ts'

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

  const context: ListenContext = {
    engine: fastify.engine,
    vad: fastify.vad,
    jobs: fastify.jobs,
    maxSeconds: config.MAX_AUDIO_SECONDS,
    allowPrivateUrls: config.ALLOW_PRIVATE_URLS,
    url: { maxBytes: config.URL_MAX_BYTES, timeoutMs: config.URL_TIMEOUT * 1000, maxRedirects: config.URL_MAX_REDIRECTS }
  }

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
      response: { 200: z.union([listenResponse, listenAccepted]), ...authErrors, 413: errorResponse, 415: errorResponse, 503: errorResponse }
    },
    // After authentication, before the body is read: a request that could not run now is refused at once (callback
    // jobs wait in the job queue instead).
    onRequest: async (request) => {
      if ((request.query as Record<string, unknown>).callback === undefined) admit(fastify.engine)
    }
  }, async (request, reply) => {
    // Everything that can refuse the request is settled first: no download, no decode for a request that cannot run.
    const prepared = await prepareListen(request.query, request.headers['content-type'], context)
    // The client hanging up abandons the job: queued work is dropped before it costs a decode.
    const gone = new AbortController()
    reply.raw.on('close', () => { if (!reply.raw.writableFinished) gone.abort(clientClosedRequest()) })
    // the upload may have taken long: checked again before a URL is fetched or the audio decoded
    if (prepared.callback === undefined) admit(fastify.engine)
    const answer = await listen(prepared, request.body, context, { id: request.id, signal: gone.signal })
    request.transcribedSeconds = answer.seconds
    if (prepared.callback !== undefined) request.log.info({ request_id: request.id, queue: fastify.jobs.kind }, 'callback job queued')
    return answer.reply
  })
}

export default listenRoutes
