/**
 * The live-streaming shape of a neural VAD: the same `push(samples, onFrame)` contract as
 * src/streaming/vad.ts's WebRTC `VoiceDetector` (one speech/non-speech decision per 20 ms frame, in order), so the
 * segmenter can switch detectors without changing.
 *
 * Silero scores 512-sample (32 ms) windows; the segmenter counts 320-sample (20 ms) frames. Each output frame
 * takes the decision of the Silero window holding its middle sample, and is emitted as soon as that window has
 * been scored (so at most one window, 32 ms, later than the audio). Decisions use Silero's hysteresis: speech
 * starts at `threshold` and ends only below the negative threshold, so a region does not flicker.
 *
 * The scorer is synchronous (whisper.cpp's VAD through the addon scores one window in well under a millisecond).
 */
import { negativeThreshold, SILERO_FRAME_SAMPLES, type VadSettings } from './settings.ts'

/** Scores one window of `frameSamples` samples; keeps its recurrent state between calls until `reset`. */
export interface FrameScorer {
  readonly frameSamples: number
  score (window: Float32Array): number
  reset (): void
}

export const STREAM_FRAME_SAMPLES = 320

export class StreamingVoiceDetector {
  private readonly window: Float32Array
  private filled = 0
  private scoredWindows = 0
  private emittedFrames = 0
  private speaking = false
  /** decisions of scored windows not yet fully consumed by output frames, oldest first */
  private readonly pending: boolean[] = []
  private pendingBase = 0 // window index of pending[0]
  private readonly neg: number

  constructor (
    private readonly scorer: FrameScorer,
    private readonly settings: Pick<VadSettings, 'threshold' | 'negThreshold'>,
    private readonly outFrameSamples: number = STREAM_FRAME_SAMPLES
  ) {
    this.window = new Float32Array(scorer.frameSamples ?? SILERO_FRAME_SAMPLES)
    this.neg = negativeThreshold(settings)
  }

  /** Feeds samples; `onFrame` runs once per completed output frame whose decision is known. */
  push (samples: Float32Array, onFrame: (speech: boolean) => void): void {
    const size = this.window.length
    let offset = 0
    while (offset < samples.length) {
      const take = Math.min(size - this.filled, samples.length - offset)
      this.window.set(samples.subarray(offset, offset + take), this.filled)
      this.filled += take
      offset += take
      if (this.filled < size) break
      this.filled = 0
      const p = this.scorer.score(this.window)
      this.speaking = this.speaking ? p >= this.neg : p >= this.settings.threshold
      this.pending.push(this.speaking)
      this.scoredWindows++
      this.emit(onFrame)
    }
  }

  /** Starts a new stream: recurrent state, partial window and frame counters cleared. */
  reset (): void {
    this.scorer.reset()
    this.filled = 0
    this.scoredWindows = 0
    this.emittedFrames = 0
    this.speaking = false
    this.pending.length = 0
    this.pendingBase = 0
  }

  private emit (onFrame: (speech: boolean) => void): void {
    const size = this.window.length
    const scoredSamples = this.scoredWindows * size
    for (;;) {
      const start = this.emittedFrames * this.outFrameSamples
      if (start + this.outFrameSamples > scoredSamples) break
      const windowIndex = Math.floor((start + this.outFrameSamples / 2) / size)
      // windows wholly before this frame will never be looked at again
      while (this.pendingBase < windowIndex) { this.pending.shift(); this.pendingBase++ }
      onFrame(this.pending[0] as boolean)
      this.emittedFrames++
    }
  }
}
