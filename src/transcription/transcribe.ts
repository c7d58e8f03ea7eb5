/**
 * The pipeline every protocol shares, REST and live alike: audio (bytes to decode, or 16 kHz PCM) and a
 * TranscriptionPlan in, a protocol-neutral result out. decodeChannels() stops at whisper's segments per channel
 * (what OpenAI's replies are made of); transcribe() also turns them into words and applies the plan's text
 * formatting (what Deepgram's replies, REST and live, are made of). Each protocol shapes the result into its own
 * response (src/protocols/…).
 */
import { decodeAudio, mixToMono } from '../audio/decode.ts'
import { SAMPLE_RATE } from '../audio/pcm.ts'
import type { ModelDescription, TranscribedSegment, Transcriber, TranscribeOptions } from '../engine/types.ts'
import { segmentsToWords, type Word } from './words.ts'
import { formatTranscript, type SearchResult } from './format/index.ts'
import type { TranscriptionPlan } from './plan.ts'
import { transcribeSpeech, type SpeechDetector } from './speech-only.ts'

/** Audio as received (decoded here, in a worker), or PCM a protocol already holds (16 kHz, one array per channel). */
export type AudioInput =
  | { bytes: Uint8Array, contentType?: string | undefined, encoding?: string | undefined, sampleRate?: number | undefined, channels?: number | undefined }
  | { pcm: Float32Array[] }

/** One channel as whisper decoded it. */
export interface DecodedChannel {
  /** The language decoded (detected with plan.detectLanguage). */
  language: string
  languageProbability?: number | undefined
  /** Whisper's own segments, times in seconds of the stream (OpenAI's verbose_json needs them). */
  segments: TranscribedSegment[]
}

/** A decoded channel in words, with the plan's text formatting applied. */
export interface ChannelTranscript extends DecodedChannel {
  /** After text formatting (smart_format, redaction, replacements…). */
  words: Word[]
  transcript: string
  /** Mean word confidence of what whisper heard; 0 without words. */
  confidence: number
  search: SearchResult[]
}

export interface DecodedResult<C extends DecodedChannel = DecodedChannel> {
  /** The model that actually ran. */
  model: ModelDescription
  /** Seconds of audio. */
  duration: number
  channels: C[]
}

export type TranscriptionResult = DecodedResult<ChannelTranscript>

export interface RunContext {
  /** Longest audio accepted when decoding bytes (MAX_AUDIO_SECONDS). */
  maxSeconds?: number
  signal?: AbortSignal | undefined
  priority?: TranscribeOptions['priority']
  /** Seconds added to every time (live: where this utterance starts in the stream). */
  offset?: number
  /**
   * Each segment as whisper completes it, during the decode (OpenAI's stream), times shifted like the result's.
   * Only for a single (mixed) channel, and only with engines that report segments as they go.
   */
  onSegment?: (segment: TranscribedSegment) => void
  /** Runs the plan's VAD (plan.vad); required when the plan asks for it. */
  vad?: SpeechDetector | undefined
}

const shift = (segments: TranscribedSegment[], offset: number): TranscribedSegment[] => offset === 0
  ? segments
  : segments.map((s) => ({ ...s, start: s.start + offset, end: s.end + offset, tokens: s.tokens.map((t) => ({ ...t, start: t.start + offset, end: t.end + offset })) }))

/** Decodes the audio and runs whisper on each channel (or their mix) as the plan says: segments, no words. */
export async function decodeChannels (engine: Transcriber, input: AudioInput, plan: TranscriptionPlan, context: RunContext = {}): Promise<DecodedResult> {
  const { runs, duration, model, offset } = await decodeRuns(engine, input, plan, context)
  return {
    model,
    duration,
    channels: runs.map((run) => ({ language: run.language, languageProbability: run.languageProbability, segments: shift(run.segments, offset) }))
  }
}

/** decodeChannels, then each channel's words with the plan's text formatting (times shifted by context.offset). */
export async function transcribe (engine: Transcriber, input: AudioInput, plan: TranscriptionPlan, context: RunContext = {}): Promise<TranscriptionResult> {
  const { runs, duration, model, offset } = await decodeRuns(engine, input, plan, context)
  return {
    model,
    duration,
    channels: runs.map((run) => {
      const heard = segmentsToWords(run.segments, { duration, offset })
      const formatted = formatTranscript(heard.words, plan.text)
      return {
        words: formatted.words,
        transcript: formatted.transcript,
        confidence: heard.confidence,
        search: formatted.search,
        language: run.language,
        languageProbability: run.languageProbability,
        segments: shift(run.segments, offset)
      }
    })
  }
}

/** whisper's runs per channel, times from the start of the audio given (not yet shifted by context.offset). */
async function decodeRuns (engine: Transcriber, input: AudioInput, plan: TranscriptionPlan, context: RunContext) {
  let channels: Float32Array[]
  let duration: number
  if ('pcm' in input) {
    channels = input.pcm
    duration = (channels[0]?.length ?? 0) / SAMPLE_RATE
  } else {
    const decoded = await decodeAudio(input.bytes, {
      encoding: input.encoding,
      sampleRate: input.sampleRate,
      channels: input.channels,
      contentType: input.contentType,
      maxSeconds: context.maxSeconds ?? Number.POSITIVE_INFINITY,
      signal: context.signal
    })
    channels = decoded.channels
    duration = decoded.duration
  }
  const inputs = plan.multichannel || channels.length <= 1 ? channels : [mixToMono(channels)]
  const offset = context.offset ?? 0
  const onSegment = context.onSegment
  const perSegment = onSegment !== undefined && inputs.length === 1
    ? { onSegment: (segment: TranscribedSegment) => { onSegment(shift([segment], offset)[0] ?? segment) } }
    : {}
  const vad = plan.vad
  if (vad !== undefined && context.vad === undefined) throw new Error('the plan asks for VAD but no detector was given')
  const runs = await Promise.all(inputs.map(async (pcm) => {
    const options = {
      model: plan.model,
      ...(plan.language !== undefined ? { language: plan.language } : {}),
      detectLanguage: plan.detectLanguage,
      task: plan.task,
      ...(plan.promptTokens !== undefined ? { promptTokens: plan.promptTokens } : {}),
      ...(plan.temperature !== undefined ? { temperature: plan.temperature } : {}),
      ...(plan.audioCtx !== undefined ? { audioCtx: plan.audioCtx } : {}),
      ...(context.priority !== undefined ? { priority: context.priority } : {}),
      ...(context.signal !== undefined ? { signal: context.signal } : {}),
      ...perSegment
    }
    return vad !== undefined && context.vad !== undefined
      ? await transcribeSpeech(engine, pcm, options, context.vad, vad)
      : await engine.transcribe(pcm, options)
  }))
  return { runs, duration, model: runs[0]?.model ?? plan.model, offset }
}
