import { decodeAudio, mixToMono } from '../audio/decode.ts'
import { sha256Hex } from '../audio/hash.ts'
import { segmentsToWords, type WordsResult } from '../engine/words.ts'
import type { ModelDescription, Transcriber, TranscribeOptions } from '../engine/types.ts'
import { DEFAULT_UTT_SPLIT, buildParagraphs, buildUtterances, type Paragraphs, type Utterance } from './structure.ts'

export interface PrerecordedOptions {
  model?: string
  language?: string
  detectLanguage?: boolean
  punctuate?: boolean
  utterances?: boolean
  uttSplit?: number
  paragraphs?: boolean
  multichannel?: boolean
  prompt?: string
  audioCtx?: TranscribeOptions['audioCtx']
  tags?: string[]
  encoding?: string
  sampleRate?: number
  channels?: number
  contentType?: string
  warnings?: Warning[]
}

export interface Warning { parameter: string, type: string, message: string }

export interface AlternativeOut {
  transcript: string
  confidence: number
  words: WordsResult['words']
  paragraphs?: Paragraphs
}

/** The whole pre-recorded job: bytes in, Deepgram's ListenV1Response out. */
export async function transcribePrerecorded (
  engine: Transcriber,
  bytes: Uint8Array,
  options: PrerecordedOptions,
  context: { requestId: string, maxSeconds: number, signal?: AbortSignal }
) {
  const decoded = await decodeAudio(bytes, {
    encoding: options.encoding,
    sampleRate: options.sampleRate,
    channels: options.channels,
    contentType: options.contentType,
    maxSeconds: context.maxSeconds,
    signal: context.signal
  })
  const inputs = options.multichannel === true ? decoded.channels : [mixToMono(decoded.channels)]
  const runs = await Promise.all(inputs.map((pcm) => engine.transcribe(pcm, {
    model: options.model,
    language: options.language,
    detectLanguage: options.detectLanguage,
    prompt: options.prompt,
    audioCtx: options.audioCtx,
    signal: context.signal
  })))
  const punctuate = options.punctuate !== false
  const model = (runs[0] as { model: ModelDescription }).model
  const utterances: Utterance[] = []
  const channels = runs.map((run, index) => {
    const words = segmentsToWords(run.segments, { duration: decoded.duration })
    const alternative: AlternativeOut = {
      transcript: punctuate ? words.transcript : words.plainTranscript,
      confidence: words.confidence,
      words: words.words
    }
    if (options.paragraphs === true) alternative.paragraphs = buildParagraphs(words.words)
    if (options.utterances === true) utterances.push(...buildUtterances(words.words, index, options.uttSplit ?? DEFAULT_UTT_SPLIT, punctuate))
    return {
      alternatives: [alternative],
      ...(options.detectLanguage === true
        // language_confidence is whisper's own probability for the detected language (whisper_lang_auto_detect).
        ? { detected_language: run.language, ...(run.languageProbability !== undefined ? { language_confidence: run.languageProbability } : {}) }
        : {})
    }
  })
  utterances.sort((a, b) => a.start - b.start || a.channel - b.channel)
  return {
    metadata: {
      transaction_key: 'deprecated' as const,
      request_id: context.requestId,
      sha256: sha256Hex(bytes),
      created: new Date().toISOString(),
      duration: decoded.duration,
      channels: channels.length,
      models: [model.uuid],
      model_info: { [model.uuid]: { name: model.name, version: 'ggml', arch: 'whisper' } },
      ...(options.tags !== undefined && options.tags.length > 0 ? { tags: options.tags } : {}),
      ...(options.warnings !== undefined && options.warnings.length > 0 ? { warnings: options.warnings } : {})
    },
    results: {
      channels,
      ...(options.utterances === true ? { utterances } : {})
    }
  }
}
