/**
 * Voice-agent clients stop sending audio after a second of silence and only send keep-alives: without more audio
 * the endpointer would never see the pause go on, so no final at an endpoint and no utterance-end would come.
 * Once no audio has arrived for a while (SILENCE_FILL_AFTER_MS, or three times the client's usual gap between frames),
 * the wall-clock time since the last frame counts as silence while an utterance is open or an utterance-end is
 * due. Audio a client sent ahead of real time (its lead) is used up first, so a fast sender is never padded.
 *
 * This class keeps the client's pacing and the fill timer; the session decides whether silence is wanted and
 * feeds it through its input chain.
 */
import { SAMPLE_RATE } from '../audio/pcm.ts'
import type { SessionClock } from './clock.ts'
import { MAX_FRAME_GAP_MS, SILENCE_FILL_AFTER_MS, VAD_FRAME_SAMPLES } from './tuning.ts'

export class SilenceFill {
  /** Wall clock when the latest binary frame arrived, and when the latest decoded audio of one did. */
  private lastReceivedAt = 0
  private lastAudioAt: number | undefined
  /** The client's usual gap between frames (ms, slowly forgotten) and how far its audio runs ahead of real time. */
  private frameGapMs = 0
  private leadSeconds = 0
  /** Samples of silence added since the last real audio. */
  private filledSinceAudio = 0
  private cancelTimer: (() => void) | undefined

  private readonly clock: SessionClock
  private readonly enabled: () => boolean
  private readonly onStall: (now: number) => void
  constructor (
    clock: SessionClock,
    /** Whether the timer may run at all (the session is open and reading its client). */
    enabled: () => boolean,
    /** No frame for long enough: silence up to `now` may be added (see due). */
    onStall: (now: number) => void
  ) {
    this.clock = clock
    this.enabled = enabled
    this.onStall = onStall
  }

  /** Some decoded audio has been seen: only then can silence follow it. */
  get heardAudio (): boolean { return this.lastAudioAt !== undefined }

  /** A piece of audio arrived at `at` (before it is decoded). */
  frameReceived (at: number): void {
    this.lastReceivedAt = at
    this.schedule(this.stallMs())
  }

  /** `samples` of decoded audio from a frame that arrived at `arrivedAt`. */
  audio (samples: number, arrivedAt: number): void {
    if (this.lastAudioAt !== undefined) {
      const gap = arrivedAt - this.lastAudioAt
      if (gap < MAX_FRAME_GAP_MS) this.frameGapMs = Math.max(gap, this.frameGapMs * 0.98)
      this.leadSeconds = Math.max(0, this.leadSeconds - gap / 1000)
    }
    this.leadSeconds += samples / SAMPLE_RATE
    this.lastAudioAt = arrivedAt
    this.filledSinceAudio = 0
  }

  /** The timer fired or a keep-alive came: a stall if no frame came for long enough, else wait for the rest. */
  check (): void {
    if (!this.enabled()) return
    const now = this.clock.now()
    const waited = now - this.lastReceivedAt
    if (waited < this.stallMs()) this.schedule(this.stallMs() - waited)
    else this.onStall(now)
  }

  /** Samples of silence (whole VAD frames) the wall clock says have passed by `now`; counted as added. */
  due (now: number): number {
    if (this.lastAudioAt === undefined) return 0
    const gap = (now - this.lastAudioAt) / 1000
    const due = gap - this.leadSeconds - this.filledSinceAudio / SAMPLE_RATE
    const fill = Math.floor(due * SAMPLE_RATE / VAD_FRAME_SAMPLES) * VAD_FRAME_SAMPLES
    if (fill > 0) this.filledSinceAudio += fill
    return fill
  }

  /** Checks again after `ms` (replacing any earlier timer); nothing when not enabled. */
  schedule (ms: number): void {
    this.cancelTimer?.()
    this.cancelTimer = this.enabled() ? this.clock.timer(() => this.check(), ms) : undefined
  }

  cancel (): void {
    this.cancelTimer?.()
    this.cancelTimer = undefined
  }

  private stallMs (): number {
    return Math.max(SILENCE_FILL_AFTER_MS, 3 * this.frameGapMs)
  }
}
