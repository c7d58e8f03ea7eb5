import multipart from '@fastify/multipart'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Config } from '../config.ts'
import openAiErrorHandler from '../plugins/openai-error-handler.ts'
import { bodyTooLarge, quoted, unsupportedMediaType } from '../errors.ts'
import { toOpenAiError } from '../protocols/openai/errors.ts'
import { prepareTranscription, prepareTranslation, runOpenAiJob, type JobContext, type OpenAiJob } from '../protocols/openai/job.ts'
import { formatReply, StreamEvents } from '../protocols/openai/respond.ts'
import { normalizeForm, openAiError, transcriptionForm, transcriptionJson, transcriptionVerbose, translationForm } from '../protocols/openai/schema.ts'
import { SseWriter } from '../protocols/openai/sse.ts'
import { admit } from '../transcription/admission.ts'

/** The largest text field (a long prompt fits many times over); the file's own cap is BODY_LIMIT. */
const FIELD_SIZE = 256 * 1024

/**
 * A whole form may be this much larger than BODY_LIMIT (its file's cap): room for the text fields and part headers
 * of any real request (a few KiB; the longest allowed field, FIELD_SIZE, fits four times over).
 */
export const FORM_FIELDS_ROOM = 1024 * 1024

const errors = {
  400: openAiError.describe('Bad file or parameters'),
  401: openAiError.describe('Missing, unknown or revoked key'),
  403: openAiError.describe('Expired key'),
  413: openAiError.describe('File larger than BODY_LIMIT or audio longer than MAX_AUDIO_SECONDS'),
  415: openAiError.describe('Not multipart/form-data'),
  429: openAiError.describe('Rate limit exceeded (Retry-After header)'),
  503: openAiError.describe('Transcription queue full or shutting down (Retry-After header)')
}

const notMultipart = (type: string | undefined) => unsupportedMediaType(
  `Content-Type ${type === undefined ? 'none' : quoted(type, 100)} is not supported here: send multipart/form-data with the audio in the 'file' field.`)

const textReply = z.string().describe('response_format text, srt or vtt (text/plain); with stream=true, text/event-stream events')

/**
 * OpenAI's audio API: POST /v1/audio/transcriptions and /v1/audio/translations (multipart/form-data). Registered in
 * its own context under /v1/audio, so the /v1 auth hook's refusals and every other error come out in OpenAI's shape
 * here while the Deepgram routes keep theirs.
 */
const openAiAudioRoutes: FastifyPluginAsyncZod<{ config: Config }> = async (fastify, { config }) => {
  const bodyRead = new WeakSet<FastifyRequest>()
  await fastify.register(openAiErrorHandler, { uploadIncomplete: (request) => request.isMultipart() && !bodyRead.has(request) })
  await fastify.register(multipart, {
    // the form becomes request.body (file as a Buffer) so the zod schema validates it and /docs renders an upload form
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: config.BODY_LIMIT, files: 1, fields: 64, fieldSize: FIELD_SIZE, parts: 65 },
    // A file over fileSize fails the request at that byte: left alone, @fastify/multipart reads the rest of the part.
    async onFile (part) {
      const refuse = (): void => { part.file.destroy(bodyTooLarge(config.BODY_LIMIT)) }
      if (part.file.truncated) refuse()
      else part.file.once('limit', refuse)
      part.value = await part.toBuffer()
    }
  })
  // runs after the multipart plugin's own preValidation hook has read the whole form
  fastify.addHook('preValidation', async (request) => {
    if (request.is404) return
    if (!request.isMultipart()) throw notMultipart(request.headers['content-type'])
    bodyRead.add(request)
    if (typeof request.body === 'object' && request.body !== null) normalizeForm(request.body as Record<string, unknown>)
  })

  const context = { engine: fastify.engine, maxSeconds: config.MAX_AUDIO_SECONDS, vad: fastify.vad }
  // After authentication, before the form is read: a full engine queue refuses at once.
  const admitted = async (): Promise<void> => { admit(fastify.engine) }
  // the whole form, counted by plugins/body-limit.ts
  const bodyLimit = config.BODY_LIMIT + FORM_FIELDS_ROOM

  fastify.post('/transcriptions', {
    schema: {
      tags: ['openai'],
      summary: 'Transcribe an audio file (OpenAI-compatible)',
      description: "OpenAI's `POST /v1/audio/transcriptions`: multipart/form-data with the audio in `file`. Use any OpenAI " +
        'client with base URL `http://<host>:7860/v1` and an earshot key as the API key.',
      consumes: ['multipart/form-data'],
      body: transcriptionForm,
      response: { 200: z.union([transcriptionJson, transcriptionVerbose, textReply]), ...errors }
    },
    bodyLimit,
    onRequest: admitted
  }, async (request, reply) => {
    const job = await prepareTranscription(request.body, context)
    return await respond(job, context, request, reply)
  })

  fastify.post('/translations', {
    schema: {
      tags: ['openai'],
      summary: 'Translate speech into English text (OpenAI-compatible)',
      description: "OpenAI's `POST /v1/audio/translations`: whisper's translate task, on multilingual models only " +
        '(an English-only model such as `base.en` gets a 400).',
      consumes: ['multipart/form-data'],
      body: translationForm,
      response: { 200: z.union([transcriptionJson.omit({ logprobs: true }), transcriptionVerbose, textReply]), ...errors }
    },
    bodyLimit,
    onRequest: admitted
  }, async (request, reply) => {
    const job = await prepareTranslation(request.body, context)
    return await respond(job, context, request, reply)
  })
}

/** Runs a prepared job and sends its reply: one body, or (stream=true) Server-Sent Events as segments complete. */
async function respond (job: OpenAiJob, context: JobContext, request: FastifyRequest, reply: FastifyReply) {
  // OpenAI's replies have no place for it: what the plan left out (a prompt's oldest tokens) is logged
  if (job.plan.notes.length > 0) request.log.info({ notes: job.plan.notes }, 'request adjusted')
  // the upload may have taken long: checked again before the audio is decoded
  admit(context.engine)
  // The client hanging up cancels the job: queued work is dropped, a running decode is stopped where the engine can.
  const gone = new AbortController()
  reply.raw.on('close', () => { if (!reply.raw.writableFinished) gone.abort(new Error('client disconnected')) })

  // nobody is left to answer: a note in the log, not an error
  const abandoned = (err: unknown): boolean => {
    if (!gone.signal.aborted) return false
    request.log.info({ reason: (err as Error).message }, 'client went away; job cancelled')
    if (!reply.sent) reply.hijack() // the socket is gone: Fastify is to send nothing
    return true
  }

  if (!job.stream) {
    try {
      const result = await runOpenAiJob(job, { ...context, signal: gone.signal })
      request.transcribedSeconds = result.duration
      const { contentType, body } = formatReply(job.format, result, job.reply)
      return await reply.type(contentType).send(body)
    } catch (err) {
      if (abandoned(err)) return reply
      throw err
    }
  }

  // The stream opens with the first event: until then a refusal (busy queue, bad audio) is still a plain error reply.
  const sse = new SseWriter(reply.raw)
  const events = new StreamEvents(job.reply.logprobs)
  let opened = false
  let sent = 0
  const send = (event: Record<string, unknown>): void => {
    if (!opened) {
      opened = true
      reply.hijack()
      sse.open(reply.getHeaders() as Record<string, string>)
    }
    sse.send(event)
  }
  const emit = (segment: Parameters<StreamEvents['delta']>[0]): void => {
    sent++
    const event = events.delta(segment)
    if (event !== undefined) send(event)
  }
  try {
    const result = await runOpenAiJob(job, { ...context, signal: gone.signal, onSegment: emit })
    request.transcribedSeconds = result.duration
    // engines without per-segment callbacks: the deltas follow the decode
    for (const segment of result.segments.slice(sent)) emit(segment)
    send(events.done(result))
    sse.end()
  } catch (err) {
    if (abandoned(err)) {
      sse.end()
      return reply
    }
    if (!opened) throw err
    request.failedAfterReply = true
    const failure = toOpenAiError(err)
    if (failure.unexpected) request.log.error({ err }, 'stream failed')
    sse.send(failure.body)
    sse.end()
  }
  return reply
}

export default openAiAudioRoutes
