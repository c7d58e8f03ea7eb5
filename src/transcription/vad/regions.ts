/**
 * Speech regions from per-frame speech probabilities: Silero's own post-processing (`get_speech_timestamps`),
 * so regions match what the model's authors and whisper.cpp's VAD produce from the same probabilities.
 *
 * Before it, earshot's level gate (level-gate.ts) when the audio is given: speech must stand out from the background.
 *
 * Not ported: Silero's `max_speech_duration_s` split. Long regions are split where they are joined into decode
 * windows (windows.ts), at the least likely frame, which needs no second set of rules here.
 */
import { gateProbabilities } from './level-gate.ts'
import { msToSamples, negativeThreshold, SILERO_FRAME_SAMPLES, type VadSettings } from './settings.ts'

/** A span of the original audio, in samples: [start, end). */
export interface Region { start: number, end: number }

export interface RegionOptions {
  /** Samples per probability (Silero: 512). */
  frameSamples?: number
  /** Length of the audio the probabilities were computed on (the last frame may be partial). */
  totalSamples: number
  /**
   * The audio itself: with `settings.minSnrDb` > 0, frames that do not stand out from the background floor are
   * not speech (level-gate.ts). Without it the probabilities are taken as they are (already gated, or no gate).
   */
  audio?: Float32Array
}

export function speechRegions (sileroProbs: ArrayLike<number>, settings: VadSettings, options: RegionOptions): Region[] {
  const frame = options.frameSamples ?? SILERO_FRAME_SAMPLES
  const probs = options.audio !== undefined ? gateProbabilities(sileroProbs, options.audio, settings.minSnrDb ?? 0, frame) : sileroProbs
  const total = Math.min(options.totalSamples, probs.length * frame)
  const neg = negativeThreshold(settings)
  const minSpeech = msToSamples(settings.minSpeechMs)
  const minSilence = msToSamples(settings.minSilenceMs)
  const pad = msToSamples(settings.speechPadMs)

  const regions: Region[] = []
  let start = -1 // start of the open region, -1 when none
  let silenceFrom = -1 // where the current dip below `neg` began, -1 when none
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i] as number
    const at = i * frame
    if (p >= settings.threshold) {
      silenceFrom = -1
      if (start < 0) start = at
      continue
    }
    if (start < 0 || p >= neg) continue
    if (silenceFrom < 0) silenceFrom = at
    if (at - silenceFrom < minSilence) continue
    if (silenceFrom - start > minSpeech) regions.push({ start, end: silenceFrom })
    start = -1
    silenceFrom = -1
  }
  if (start >= 0 && total - start > minSpeech) regions.push({ start, end: total })

  // Padding, as Silero applies it: full padding where there is room, half the gap where two regions are close.
  for (let i = 0; i < regions.length; i++) {
    const r = regions[i] as Region
    if (i === 0) r.start = Math.max(0, r.start - pad)
    const next = regions[i + 1]
    if (next === undefined) {
      r.end = Math.min(total, r.end + pad)
      break
    }
    const gap = next.start - r.end
    if (gap < 2 * pad) {
      r.end += Math.floor(gap / 2)
      next.start = Math.max(0, next.start - Math.floor(gap / 2))
    } else {
      r.end = Math.min(total, r.end + pad)
      next.start = Math.max(0, next.start - pad)
    }
  }
  return regions
}
