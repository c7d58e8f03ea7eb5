/**
 * The query parameters of Deepgram's live /v1/listen, validated before the WebSocket upgrade (a bad one is an HTTP
 * 400, not a socket that closes at once). Unsupported and unknown parameters are ignored with a log line.
 */
import { z } from 'zod'
import { RAW_ENCODINGS } from '../../../audio/raw.ts'
import { flag, transcriptParameters, UNSUPPORTED } from '../parameters.ts'

/** Headerless formats, plus the container formats Deepgram names (their stream header says the rest). */
export const LIVE_ENCODINGS = ['linear16', 'linear32', 'mulaw', 'alaw', 'opus', 'ogg-opus', 'flac'] as const

export const liveQuery = z.looseObject({
  ...transcriptParameters,
  encoding: z.enum(LIVE_ENCODINGS).optional()
    .describe('Headerless audio: linear16, linear32 (float), mulaw or alaw, with sample_rate. Omit it for containerised audio ' +
      '(WebM/Opus from a browser MediaRecorder, Ogg/Opus, WAV, FLAC, MP3), which is recognised from its first bytes'),
  sample_rate: z.coerce.number().int().min(1000).max(384000).optional().describe('Sample rate of headerless audio in Hz (required with encoding)'),
  channels: z.coerce.number().int().min(1).max(32).optional().describe('Interleaved channels of headerless audio (default 1); mixed to mono'),
  interim_results: flag.optional().describe('Also send non-final Results while an utterance is being spoken (about one per second)'),
  endpointing: z.union([z.literal('false'), z.literal('true'), z.coerce.number().int().min(0).max(60000)]).optional()
    .describe('Pause in ms that ends an utterance with speech_final=true (default 10; values under 200 act as 200), or false'),
  utterance_end_ms: z.coerce.number().int().min(1).max(60000).optional()
    .describe('Send UtteranceEnd once this many ms pass without speech after words were transcribed'),
  vad_events: flag.optional().describe('Send SpeechStarted when speech begins'),
  audio_ctx: z.union([z.literal('auto'), z.coerce.number().int().min(0).max(1500)]).optional()
    .describe('earshot extension: whisper encoder context in frames per decode (default auto = sized to each utterance; 0 = full 30 s window, slow)')
}).superRefine((query, ctx) => {
  if (query.encoding !== undefined && RAW_ENCODINGS.has(query.encoding) && query.sample_rate === undefined) {
    ctx.addIssue({ code: 'custom', path: ['sample_rate'], message: `sample_rate is required with encoding=${query.encoding}` })
  }
})

export type LiveQuery = z.infer<typeof liveQuery>

/** Deepgram's default endpointing (ms). */
export const DEFAULT_ENDPOINTING_MS = 10

/**
 * The stream's own settings, in the live core's terms (src/live/session.ts LiveSessionOptions) plus what only
 * Deepgram's messages use (vadEvents, tags); model, language and text options go into the request's TranscriptionPlan.
 */
export interface DeepgramLiveSettings {
  format: { encoding?: string, sampleRate?: number, channels?: number }
  interimResults: boolean
  endpointingMs: number | false
  utteranceEndMs: number | undefined
  vadEvents: boolean
  tags: string[] | undefined
}

export function liveSettings (query: LiveQuery): DeepgramLiveSettings {
  const endpointing = query.endpointing
  return {
    format: {
      ...(query.encoding !== undefined ? { encoding: query.encoding } : {}),
      ...(query.sample_rate !== undefined ? { sampleRate: query.sample_rate } : {}),
      ...(query.channels !== undefined ? { channels: query.channels } : {})
    },
    interimResults: query.interim_results ?? false,
    endpointingMs: endpointing === 'false' ? false : endpointing === 'true' || endpointing === undefined ? DEFAULT_ENDPOINTING_MS : endpointing,
    utteranceEndMs: query.utterance_end_ms,
    vadEvents: query.vad_events ?? false,
    tags: query.tag
  }
}

/** Parameters set on a live request that it ignores (logged once when the session opens). */
export function ignoredLiveParameters (query: Record<string, unknown>): string[] {
  const known = new Set([...Object.keys(liveQuery.shape), 'token'])
  return Object.entries(query)
    .filter(([k, v]) => v !== undefined && v !== false && (!known.has(k) || UNSUPPORTED.has(k) || k === 'multichannel' || (k === 'filler_words' && v === true)))
    .map(([k]) => k)
}
