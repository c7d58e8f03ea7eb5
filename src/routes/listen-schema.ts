import { z } from 'zod'
import { flag, repeated } from '../transcription/params.ts'

/** The Deepgram /v1/listen parameters earshot acts on. Anything else is accepted and reported in warnings. */
export const listenQuery = z.looseObject({
  model: z.string().min(1).optional().describe('An installed model (`base.en`, see GET /v1/models) or an alias: Deepgram `nova-3`, `nova-2-*`, `whisper-small`…, OpenAI `whisper-1` (README "Model aliases", MODEL_ALIASES). Default: DEFAULT_MODEL'),
  version: z.string().min(1).optional().describe("Deepgram's model version (e.g. `latest`): accepted; each installed model has one version"),
  language: z.string().min(1).optional().describe('BCP-47 language tag, e.g. `en`, `de`, `en-US`'),
  detect_language: flag.optional().describe('Detect the spoken language (adds detected_language and language_confidence)'),
  punctuate: flag.optional().describe('Punctuated transcript (default true: whisper punctuates on its own)'),
  smart_format: flag.optional().describe('Accepted; whisper output is already formatted'),
  utterances: flag.optional().describe('Add results.utterances'),
  utt_split: z.coerce.number().positive().max(60).optional().describe('Pause in seconds that splits utterances (default 0.8)'),
  paragraphs: flag.optional().describe('Add paragraphs to each alternative'),
  keyterm: repeated.optional().describe('Terms to favour (passed to whisper as its initial prompt)'),
  keywords: repeated.optional().describe('`word` or `word:intensifier`; the words join the initial prompt'),
  multichannel: flag.optional().describe('Transcribe each channel separately into results.channels[i]'),
  tag: repeated.optional().describe('Labels echoed back in metadata.tags'),
  encoding: z.string().min(1).optional().describe('Headerless audio: linear16, linear32, mulaw or alaw (needs sample_rate)'),
  sample_rate: z.coerce.number().int().positive().optional().describe('Sample rate of headerless audio in Hz'),
  channels: z.coerce.number().int().min(1).max(32).optional().describe('Channels of headerless audio (default 1)'),
  audio_ctx: z.union([z.literal('auto'), z.coerce.number().int().min(0).max(1500)]).optional()
    .describe('earshot extension: whisper encoder context in frames (0 = full 30 s window, auto = sized to the audio). Smaller is faster on short audio and may cost accuracy')
})

export type ListenQuery = z.infer<typeof listenQuery>

/** The parameters earshot acts on; any other (Deepgram's diarize, summarize, …) is reported in metadata.warnings. */
export const KNOWN_QUERY_KEYS = new Set([...Object.keys(listenQuery.shape)])

export const listenUrlBody = z.object({
  url: z.string().min(1).describe('http(s) URL of the audio to fetch').meta({ example: 'https://example.com/audio.wav' })
}).meta({ id: 'ListenUrlRequest' })

const word = z.object({
  word: z.string(),
  start: z.number(),
  end: z.number(),
  confidence: z.number(),
  punctuated_word: z.string()
})

const alternative = z.object({
  transcript: z.string(),
  confidence: z.number(),
  words: z.array(word),
  paragraphs: z.object({
    transcript: z.string(),
    paragraphs: z.array(z.object({
      sentences: z.array(z.object({ text: z.string(), start: z.number(), end: z.number() })),
      num_words: z.number().int(),
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
    warnings: z.array(z.object({ parameter: z.string(), type: z.string(), message: z.string() })).optional()
  }),
  results: z.object({
    channels: z.array(z.object({
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
      id: z.string()
    })).optional()
  })
}).meta({ id: 'ListenV1Response', description: "Deepgram's ListenV1Response" })

export type ListenResponse = z.infer<typeof listenResponse>
