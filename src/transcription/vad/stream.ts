/**
 * The live-streaming shape of the neural VAD: audio in as it arrives, one speech/non-speech decision per 20 ms
 * frame out, in order (the frame the segmenter counts, src/live/segmenter.ts).
 *
 * Silero scores 512-sample (32 ms) windows; the segmenter counts 320-sample (20 ms) frames. Each output frame
 * takes the decision of the Silero window holding its middle sample, and is emitted as soon as that window has
 * been scored (so at most one window, 32 ms, later than the audio). Decisions use Silero's hysteresis: speech
 * starts at `threshold` and ends only below the negative threshold, so a region does not flicker.
 *
 * With `minSnrDb` set, a window is speech only if the causal level gate also lets it through (level-gate.ts: it
 * stands out from the background floor of the past few seconds, or follows a window that did within the hangover),
 * so babble well below the talker opens no utterance. Silero's hysteresis runs on its own probabilities as before.
 *
 * The scorer is asynchronous (Silero runs in a worker thread): each push sends all the whole windows it completes
 * in one call, and pushes are chained, so decisions come out in stream order however the caller awaits them.
 */
import { LevelGate } from './level-gate.ts'
import { negativeThreshold, type VadSettings } from './settings.ts'

/** Scores whole windows of `frameSamples` samples in stream order; keeps its recurrent state until `reset`. */
export interface WindowScorer {
  readonly frameSamples: number
  /** One probability per window in `windows` (its length is a multiple of frameSamples). */
  score (windows: Float32Array): Promise<Float32Array> | Float32Array
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
  private readonly gate: LevelGate
  private chain: Promise<unknown> = Promise.resolve()

  private readonly scorer: WindowScorer
  private readonly settings: Pick<VadSettings, 'threshold' | 'negThreshold' | 'minSnrDb'>
  private readonly outFrameSamples: number
  constructor (
    scorer: WindowScorer,
    settings: Pick<VadSettings, 'threshold' | 'negThreshold' | 'minSnrDb'>,
    outFrameSamples: number = STREAM_FRAME_SAMPLES
  ) {
    this.scorer = scorer
    this.settings = settings
    this.outFrameSamples = outFrameSamples
    this.window = new Float32Array(scorer.frameSamples)
    this.neg = negativeThreshold(settings)
    this.gate = new LevelGate(settings.minSnrDb ?? 0, scorer.frameSamples)
  }

  /** Feeds samples; resolves with the decisions of the output frames this completed (possibly none), in order. */
  async push (samples: Float32Array): Promise<boolean[]> {
    const size = this.window.length
    const whole = Math.floor((this.filled + samples.length) / size)
    let windows: Float32Array | undefined
    if (whole === 0) {
      this.window.set(samples, this.filled)
      this.filled += samples.length
    } else {
      // the buffered partial window, then as many whole windows as `samples` completes; the rest waits
      windows = new Float32Array(whole * size)
      windows.set(this.window.subarray(0, this.filled))
      const used = whole * size - this.filled
      windows.set(samples.subarray(0, used), this.filled)
      this.filled = samples.length - used
      this.window.set(samples.subarray(used))
    }
    const run = this.chain.then(async () => {
      if (windows === undefined) return []
      const probs = await this.scorer.score(windows)
      const out: boolean[] = []
      for (const [i, p] of probs.entries()) {
        this.speaking = this.speaking ? p >= this.neg : p >= this.settings.threshold
        const audible = this.gate.push(windows.subarray(i * size, (i + 1) * size))
        this.pending.push(this.speaking && audible)
        this.scoredWindows++
        this.emit(out)
      }
      return out
    })
    this.chain = run.catch(() => {})
    return await run
  }

  /** Starts a new stream: recurrent state, partial window and frame counters cleared. */
  reset (): void {
    this.scorer.reset()
    this.gate.reset()
    this.filled = 0
    this.scoredWindows = 0
    this.emittedFrames = 0
    this.speaking = false
    this.pending.length = 0
    this.pendingBase = 0
  }

  private emit (out: boolean[]): void {
    const size = this.window.length
    const scoredSamples = this.scoredWindows * size
    for (;;) {
      const start = this.emittedFrames * this.outFrameSamples
      if (start + this.outFrameSamples > scoredSamples) break
      const windowIndex = Math.floor((start + this.outFrameSamples / 2) / size)
      // windows wholly before this frame will never be looked at again
      while (this.pendingBase < windowIndex) { this.pending.shift(); this.pendingBase++ }
      out.push(this.pending[0] as boolean)
      this.emittedFrames++
    }
  }
}
