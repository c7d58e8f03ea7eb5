/**
 * The pipeline's protocol-neutral result -> Deepgram's ListenV1Response (POST /v1/listen, and callback jobs).
 */
import type { ModelDescription } from '../../engine/types.ts'
import type { Word } from '../../transcription/words.ts'
import type { SearchResult } from '../../transcription/format/index.ts'
import type { TranscriptionPlan } from '../../transcription/plan.ts'
import type { TranscriptionResult } from '../../transcription/transcribe.ts'
import type { Warning } from './parameters.ts'
import { buildParagraphs, buildUtterances, type Paragraphs, type Utterance } from './structure.ts'

/** diarize: one speaker per channel (no diarization model runs), stated with full confidence in that labelling. */
export interface DeepgramWord extends Word { speaker?: number, speaker_confidence?: number }

export interface AlternativeOut {
  transcript: string
  confidence: number
  words: DeepgramWord[]
  paragraphs?: Paragraphs & { paragraphs: Array<Paragraphs['paragraphs'][number] & { speaker?: number }> }
}

/**
 * What a request asked of the reply itself, beside the plan: settled with the plan (./rest.ts), kept with a
 * callback job (JSON), so a worker shapes the reply exactly as the synchronous route would.
 */
export interface DeepgramReply {
  /** results.utterances, split at pauses of uttSplit seconds */
  utterances: boolean
  uttSplit: number
  /** paragraphs on each alternative */
  paragraphs: boolean
  /** words carry a speaker (one per channel: no diarization model runs) */
  diarize: boolean
  tags?: string[] | undefined
  extra?: Record<string, string> | undefined
  warnings?: Warning[] | undefined
}

export interface ResponseContext extends DeepgramReply {
  requestId: string
  sha256: string
  created?: Date
}

export const modelInfoOf = (model: ModelDescription): { name: string, version: string, arch: string } =>
  ({ name: model.name, version: 'ggml', arch: 'whisper' })

/** Words with Deepgram's diarization fields when asked: the channel's single speaker, 0. */
export function withSpeakers (words: Word[], diarize: boolean): DeepgramWord[] {
  return diarize ? words.map((w) => ({ ...w, speaker: 0, speaker_confidence: 1 })) : words
}

export function listenResponse (result: TranscriptionResult, plan: TranscriptionPlan, context: ResponseContext) {
  const structure = context
  const { text } = plan
  const utterances: Utterance[] = []
  const channels = result.channels.map((channel, index) => {
    const words = withSpeakers(channel.words, structure.diarize)
    const alternative: AlternativeOut = { transcript: channel.transcript, confidence: channel.confidence, words }
    if (structure.paragraphs) {
      const paragraphs = buildParagraphs(words)
      alternative.paragraphs = structure.diarize ? { ...paragraphs, paragraphs: paragraphs.paragraphs.map((p) => ({ ...p, speaker: 0 })) } : paragraphs
    }
    if (structure.utterances) utterances.push(...buildUtterances(words, index, structure.uttSplit, text.punctuate))
    return {
      ...(text.search.length > 0 ? { search: channel.search satisfies SearchResult[] } : {}),
      alternatives: [alternative],
      ...(plan.detectLanguage
        // the smart-whisper binding reports the detected language but not its probability: no number is invented.
        ? { detected_language: channel.language, ...(channel.languageProbability !== undefined ? { language_confidence: channel.languageProbability } : {}) }
        : {})
    }
  })
  utterances.sort((a, b) => a.start - b.start || a.channel - b.channel)
  const model = result.model
  return {
    metadata: {
      transaction_key: 'deprecated' as const,
      request_id: context.requestId,
      sha256: context.sha256,
      created: (context.created ?? new Date()).toISOString(),
      duration: result.duration,
      channels: channels.length,
      models: [model.uuid],
      model_info: { [model.uuid]: modelInfoOf(model) },
      ...(context.tags !== undefined && context.tags.length > 0 ? { tags: context.tags } : {}),
      ...(context.extra !== undefined ? { extra: context.extra } : {}),
      ...(context.warnings !== undefined && context.warnings.length > 0 ? { warnings: context.warnings } : {})
    },
    results: {
      channels,
      ...(structure.utterances ? { utterances: utterances.map((u) => structure.diarize ? { ...u, speaker: 0 } : u) } : {})
    }
  }
}
