/**
 * The server -> client messages of Deepgram's live /v1/listen, shaped as its AsyncAPI spec and a real `Results`
 * sample show them. Times are audio seconds from the start of the stream, rounded to the millisecond.
 */
import type { ModelDescription } from '../../../engine/types.ts'
import type { SearchResult } from '../../../transcription/format/index.ts'
import type { ChannelTranscript } from '../../../transcription/transcribe.ts'
import { withSpeakers, type DeepgramWord } from '../response.ts'

/** Mono: every message is about channel 0 of 1, as Deepgram reports it. */
const CHANNEL_INDEX: [number, number] = [0, 1]

export interface ModelInfo { name: string, version: string, arch: string }

export interface ResultsMessage {
  type: 'Results'
  channel_index: [number, number]
  duration: number
  start: number
  is_final: boolean
  speech_final: boolean
  from_finalize: boolean
  channel: { search?: SearchResult[], alternatives: Array<{ transcript: string, confidence: number, words: DeepgramWord[] }> }
  metadata: { request_id: string, model_uuid: string, model_info: ModelInfo }
}

export interface MetadataMessage {
  type: 'Metadata'
  transaction_key: 'deprecated'
  request_id: string
  sha256: string
  created: string
  duration: number
  channels: number
  models: string[]
  model_info: Record<string, ModelInfo>
  tags?: string[]
}

export interface SpeechStartedMessage { type: 'SpeechStarted', channel: [number], timestamp: number }
export interface UtteranceEndMessage { type: 'UtteranceEnd', channel: [number, number], last_word_end: number }

export type LiveMessage = ResultsMessage | MetadataMessage | SpeechStartedMessage | UtteranceEndMessage

const ms = (seconds: number): number => Math.round(seconds * 1000) / 1000

export const modelInfo = (model: ModelDescription): ModelInfo => ({ name: model.name, version: 'ggml', arch: 'whisper' })

export interface ResultsInput {
  requestId: string
  model: ModelDescription
  start: number
  end: number
  /** Undefined for a flush that had nothing to decode: an empty transcript. */
  transcript: ChannelTranscript | undefined
  diarize: boolean
  /** search was asked: the channel carries its hits (an empty list per query for an empty result). */
  search: string[]
  isFinal: boolean
  speechFinal: boolean
  fromFinalize: boolean
}

export function resultsMessage (input: ResultsInput): ResultsMessage {
  const decoded = input.transcript
  return {
    type: 'Results',
    channel_index: [...CHANNEL_INDEX],
    duration: ms(input.end - input.start),
    start: ms(input.start),
    is_final: input.isFinal,
    speech_final: input.speechFinal,
    from_finalize: input.fromFinalize,
    channel: {
      ...(input.search.length > 0 ? { search: decoded?.search ?? input.search.map((query) => ({ query, hits: [] })) } : {}),
      alternatives: [{
        transcript: decoded?.transcript ?? '',
        confidence: decoded?.confidence ?? 0,
        words: withSpeakers(decoded?.words ?? [], input.diarize)
      }]
    },
    metadata: { request_id: input.requestId, model_uuid: input.model.uuid, model_info: modelInfo(input.model) }
  }
}

export interface MetadataInput {
  requestId: string
  sha256: string
  created: Date
  duration: number
  models: ModelDescription[]
  tags?: string[] | undefined
}

export function metadataMessage (input: MetadataInput): MetadataMessage {
  return {
    type: 'Metadata',
    transaction_key: 'deprecated',
    request_id: input.requestId,
    sha256: input.sha256,
    created: input.created.toISOString(),
    duration: ms(input.duration),
    channels: 1,
    models: input.models.map((m) => m.uuid),
    model_info: Object.fromEntries(input.models.map((m) => [m.uuid, modelInfo(m)])),
    ...(input.tags !== undefined && input.tags.length > 0 ? { tags: input.tags } : {})
  }
}

export const speechStartedMessage = (at: number): SpeechStartedMessage =>
  ({ type: 'SpeechStarted', channel: [0], timestamp: ms(at) })

export const utteranceEndMessage = (lastWordEnd: number): UtteranceEndMessage =>
  ({ type: 'UtteranceEnd', channel: [...CHANNEL_INDEX], last_word_end: ms(lastWordEnd) })
