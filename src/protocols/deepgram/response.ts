/**
 * The pipeline's protocol-neutral result -> Deepgram's ListenV1Response (POST /v1/listen).
 */
import type { ModelDescription } from '../../engine/types.ts'
import type { Word } from '../../transcription/words.ts'
import type { SearchResult } from '../../transcription/format/index.ts'
import type { TranscriptionPlan } from '../../transcription/plan.ts'
import { buildParagraphs, buildUtterances, type Paragraphs, type Utterance } from '../../transcription/structure.ts'
import type { TranscriptionResult } from '../../transcription/transcribe.ts'

import type { Warning } from './parameters.ts'

/** diarize: one speaker per channel (no diarization model runs), stated with full confidence in that labelling. */
export interface DeepgramWord extends Word { speaker?: number, speaker_confidence?: number }

export interface AlternativeOut {
  transcript: string
  confidence: number
  words: DeepgramWord[]
  paragraphs?: Paragraphs & { paragraphs: Array<Paragraphs['paragraphs'][number] & { speaker?: number }> }
}

export interface ResponseContext {
  requestId: string
  sha256: string
  tags?: string[] | undefined
  warnings?: Warning[] | undefined
  extra?: Record<string, string> | undefined
  created?: Date
}

/** Deepgram's `extra=key:value` pairs, echoed in metadata.extra. */
export function extraOf (values: string[] | undefined): Record<string, string> | undefined {
  if (values === undefined || values.length === 0) return undefined
  return Object.fromEntries(values.map((v) => {
    const at = v.indexOf(':')
    return at < 0 ? [v, ''] : [v.slice(0, at), v.slice(at + 1)]
  }))
}

export const modelInfoOf = (model: ModelDescription): { name: string, version: string, arch: string } =>
  ({ name: model.name, version: 'ggml', arch: 'whisper' })

/** Words with Deepgram's diarization fields when asked: the channel's single speaker, 0. */
export function withSpeakers (words: Word[], diarize: boolean): DeepgramWord[] {
  return diarize ? words.map((w) => ({ ...w, speaker: 0, speaker_confidence: 1 })) : words
}

export function listenResponse (result: TranscriptionResult, plan: TranscriptionPlan, context: ResponseContext) {
  const { structure, text } = plan
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
