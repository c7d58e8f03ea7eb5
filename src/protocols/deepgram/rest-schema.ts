import { z } from 'zod'
import { restParameters, transcriptParameters } from './parameters.ts'

/** Every Deepgram /v1/listen parameter (src/protocols/deepgram/parameters.ts); anything else is reported in warnings. */
export const listenQuery = z.looseObject({ ...transcriptParameters, ...restParameters })

export type ListenQuery = z.infer<typeof listenQuery>

export const KNOWN_QUERY_KEYS: ReadonlySet<string> = new Set(Object.keys(listenQuery.shape))

export const listenUrlBody = z.object({
  url: z.string().min(1).describe('http(s) URL of the audio to fetch').meta({ example: 'https://example.com/audio.wav' })
}).meta({ id: 'ListenUrlRequest' })

/** The audio file itself, as a raw body (Swagger UI offers a file picker for it). */
export const listenAudioBody = z.instanceof(Buffer).meta({ type: 'string', format: 'binary', description: 'The audio file (WAV, MP3, FLAC, Ogg, WebM…) or headerless PCM with `encoding` and `sample_rate`' })

export const listenBody = z.union([listenUrlBody, listenAudioBody],
  { error: 'expected audio bytes with an audio/* Content-Type, or JSON {"url": "https://…"}' })

/** What /docs shows per media type; `listenBody` validates them all. */
export const listenBodyByMediaType = {
  'audio/*': listenAudioBody,
  'application/octet-stream': listenAudioBody,
  'application/json': listenUrlBody
}

const word = z.object({
  word: z.string(),
  start: z.number(),
  end: z.number(),
  confidence: z.number(),
  punctuated_word: z.string(),
  speaker: z.number().int().optional().describe('diarize: the channel\'s single speaker, 0'),
  speaker_confidence: z.number().optional()
})

const search = z.array(z.object({
  query: z.string(),
  hits: z.array(z.object({ confidence: z.number(), start: z.number(), end: z.number(), snippet: z.string() }))
}))

const alternative = z.object({
  transcript: z.string(),
  confidence: z.number(),
  words: z.array(word),
  paragraphs: z.object({
    transcript: z.string(),
    paragraphs: z.array(z.object({
      sentences: z.array(z.object({ text: z.string(), start: z.number(), end: z.number() })),
      num_words: z.number().int(),
      speaker: z.number().int().optional(),
      start: z.number(),
      end: z.number()
    }))
  }).optional()
})

export const listenResponse = z.object({
  metadata: z.object({
    transaction_key: z.literal('deprecated'),
    request_id: z.string(),
    sha256: z.string(),
    created: z.string(),
    duration: z.number(),
    channels: z.number().int(),
    models: z.array(z.string()),
    model_info: z.record(z.string(), z.object({ name: z.string(), version: z.string(), arch: z.string() })),
    tags: z.array(z.string()).optional(),
    extra: z.record(z.string(), z.string()).optional(),
    warnings: z.array(z.object({ parameter: z.string(), type: z.string(), message: z.string() })).optional()
  }),
  results: z.object({
    channels: z.array(z.object({
      search: search.optional(),
      alternatives: z.array(alternative),
      detected_language: z.string().optional(),
      language_confidence: z.number().optional()
    })),
    utterances: z.array(z.object({
      start: z.number(),
      end: z.number(),
      confidence: z.number(),
      channel: z.number().int(),
      transcript: z.string(),
      words: z.array(word),
      speaker: z.number().int().optional(),
      id: z.string()
    })).optional()
  })
}).meta({ id: 'ListenV1Response', description: "Deepgram's ListenV1Response" })

export const listenAccepted = z.object({
  request_id: z.string().describe('The job\'s id: metadata.request_id and the dg-request-id header of the callback delivery')
}).meta({ id: 'ListenV1AcceptedResponse', description: 'A request with `callback`: queued, the response follows at the callback URL' })

export type ListenResponse = z.infer<typeof listenResponse>
