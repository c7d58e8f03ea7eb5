import { existsSync } from 'node:fs'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import type { PlanDefaults } from '../transcription/plan.ts'
import { SileroVad, type VadSettings } from '../transcription/vad/index.ts'

export interface VoiceActivity {
  /** Silero in its worker thread, shared by every request and live session. */
  detector: SileroVad
  /** Threshold, hysteresis, minimum speech and silence, padding, level gate (VAD_*). */
  settings: VadSettings
  /** The plan defaults: VAD on pre-recorded audio unless the request says vad=false (config VAD). */
  planDefaults: PlanDefaults
}

/**
 * The voice-activity detector. Its worker starts and loads the model on first use (about 0.1–0.5 s), so an app
 * that never transcribes never pays for it; it is stopped on close.
 */
export default fp<{ config: Config }>(async (fastify, { config }) => {
  const settings: VadSettings = {
    threshold: config.VAD_THRESHOLD,
    ...(config.VAD_NEG_THRESHOLD !== undefined ? { negThreshold: config.VAD_NEG_THRESHOLD } : {}),
    minSpeechMs: config.VAD_MIN_SPEECH_MS,
    minSilenceMs: config.VAD_MIN_SILENCE_MS,
    speechPadMs: config.VAD_SPEECH_PAD_MS,
    minSnrDb: config.VAD_MIN_SNR_DB
  }
  const detector = new SileroVad()
  // A missing model file should stop the server at start, not fail each request (the worker loads it lazily).
  if (!existsSync(detector.modelPath)) throw new Error(`the Silero VAD model is missing: ${detector.modelPath}`)
  fastify.decorate('vad', { detector, settings, planDefaults: { vad: { enabled: config.VAD, settings } } } satisfies VoiceActivity)
  fastify.addHook('onClose', async () => { await detector.close() })
}, { name: 'vad' })

declare module 'fastify' {
  interface FastifyInstance {
    vad: VoiceActivity
  }
}
