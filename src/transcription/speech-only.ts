/**
 * Decoding only the speech of a file: Silero's speech probabilities, the level gate (speech must stand out from the
 * background), regions (Silero's post-processing), regions
 * joined into windows of at most 30 s with 0.1 s of silence between them, one decode per window, and every
 * segment and token time mapped back to the original audio (TimeMap). Audio with no speech region never reaches
 * the decoder. Whisper invents text on silence and noise; it cannot here, and a file of long pauses costs only
 * its speech.
 */
import { SAMPLE_RATE } from '../audio/pcm.ts'
import type { TranscribedSegment, Transcriber, TranscribeOptions, TranscribeResult, ModelDescription } from '../engine/types.ts'
import type { VadSettings } from './vad/settings.ts'
import { speechRegions } from './vad/regions.ts'
import type { TimeMap } from './vad/time-map.ts'
import { decodeWindows, joinAudio } from './vad/windows.ts'

/** What scores a file's speech: one probability per 512-sample window (SileroVad). */
export interface SpeechDetector {
  probabilities (audio: Float32Array, signal?: AbortSignal): Promise<Float32Array>
}

type DecodeOptions = TranscribeOptions & { model: ModelDescription }

const mapSegment = (s: TranscribedSegment, map: TimeMap): TranscribedSegment => ({
  ...s,
  start: map.toSourceSeconds(s.start),
  end: map.toSourceSeconds(s.end),
  tokens: s.tokens.map((t) => ({ ...t, start: map.toSourceSeconds(t.start), end: map.toSourceSeconds(t.end) }))
})

export async function transcribeSpeech (engine: Transcriber, pcm: Float32Array, options: DecodeOptions,
  detector: SpeechDetector, settings: VadSettings): Promise<TranscribeResult & { model: ModelDescription }> {
  const probs = await detector.probabilities(pcm, options.signal)
  const regions = speechRegions(probs, settings, { totalSamples: pcm.length, audio: pcm })
  const windows = decodeWindows(regions, { probs })
  const duration = pcm.length / SAMPLE_RATE
  let model = options.model
  let language = options.language ?? 'en'
  let languageProbability: number | undefined
  const segments: TranscribedSegment[] = []
  for (const [i, w] of windows.entries()) {
    const onSegment = options.onSegment
    // Detected once, on the first window; later windows decode that language (no second detection encode).
    const detect = options.detectLanguage === true && i === 0
    const run = await engine.transcribe(joinAudio(w, pcm), {
      ...options,
      ...(options.detectLanguage === true && i > 0 ? { language, detectLanguage: false } : {}),
      ...(onSegment !== undefined ? { onSegment: (s: TranscribedSegment) => { onSegment(mapSegment(s, w.map)) } } : {})
    })
    model = run.model
    if (i === 0) {
      language = run.language
      if (detect) languageProbability = run.languageProbability
    }
    segments.push(...run.segments.map((s) => mapSegment(s, w.map)))
  }
  return { segments, language, duration, model, ...(languageProbability !== undefined ? { languageProbability } : {}) }
}
