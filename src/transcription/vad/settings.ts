/**
 * Voice-activity settings and Silero's frame geometry.
 *
 * The defaults are Silero VAD's own (`get_speech_timestamps` in silero-vad, and whisper.cpp's
 * `whisper_vad_default_params`, which copies them): they are what the model's published accuracy was measured with.
 * `minSnrDb` is earshot's own (the level gate, level-gate.ts), off by default: bench/vad measured its cost
 * (docs/decisions/003-babble-level-gate.md).
 */
import { SAMPLE_RATE } from '../../audio/pcm.ts'

/** Everything here works on the pipeline's PCM (16 kHz mono, src/audio/pcm.ts), which Silero's 16 kHz model takes as is. */
export const VAD_SAMPLE_RATE = SAMPLE_RATE
/** Silero v5/v6 at 16 kHz scores windows of 512 samples (32 ms), one probability each. */
export const SILERO_FRAME_SAMPLES = 512

export interface VadSettings {
  /** A frame at or above this speech probability starts (or continues) speech. */
  threshold: number
  /**
   * Speech ends only below this (hysteresis, so a region does not flicker around the threshold).
   * Undefined = Silero's rule, `max(threshold - 0.15, 0.01)`.
   */
  negThreshold?: number
  /** Regions shorter than this are dropped (clicks, coughs). */
  minSpeechMs: number
  /** A pause must last this long to end a region; shorter dips stay inside it. */
  minSilenceMs: number
  /** Audio kept before and after each region (split in half where two regions are closer than twice this). */
  speechPadMs: number
  /**
   * Level gate (level-gate.ts): Silero's speech counts only where the audio stands this many dB above the
   * background floor (a low percentile of the level over the last seconds), so most dense babble well below the
   * talker is not speech. Undefined or 0 = off (Silero alone; the default).
   */
  minSnrDb?: number
}

export const DEFAULT_VAD_SETTINGS: Readonly<VadSettings> = {
  threshold: 0.5,
  minSpeechMs: 250,
  minSilenceMs: 100,
  speechPadMs: 30,
  minSnrDb: 0
}

export const negativeThreshold = (s: Pick<VadSettings, 'threshold' | 'negThreshold'>): number =>
  s.negThreshold ?? Math.max(s.threshold - 0.15, 0.01)

export const msToSamples = (ms: number): number => Math.round(ms * VAD_SAMPLE_RATE / 1000)
