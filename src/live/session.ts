/**
 * One live transcription session, for any live protocol: commands in (LiveCommands), events out (LiveEvent), and
 * flow control on the protocol's transport (LiveProtocol.pause/resume). The interface is ./events.ts.
 *
 * Audio goes through one ordered input chain (it is decoded asynchronously, Silero scores it in its worker thread,
 * and a flush must act on all audio sent before it): bytes -> AudioIntake (16 kHz mono) -> StreamingVoiceDetector
 * (Silero, speech per 20 ms) -> Segmenter (utterances) -> DecodeScheduler -> UtteranceDecoder (engine) -> Outbox
 * (in order) -> the protocol.
 *
 * What is decoded when (finals, interims, the answer to a flush) is DecodeScheduler's part; silence added for a
 * client that stopped sending, SilenceFill's. This class owns the input chain, flow control, the limits, the idle
 * timeout and the endings: in order, the last final, then 'ended'; on a cut, 'ended' at once.
 */
import { createHash } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { SAMPLE_RATE } from '../audio/pcm.ts'
import { AppError } from '../errors.ts'
import type { Logger, Transcriber } from '../engine/types.ts'
import type { TranscriptionPlan } from '../transcription/plan.ts'
import { StreamingVoiceDetector, type VadSettings, type WindowScorer } from '../transcription/vad/index.ts'
import { AudioIntake, UndecodableAudioError, type StreamFormat } from './audio-intake.ts'
import { realClock, type SessionClock } from './clock.ts'
import { DecodeScheduler } from './decode-scheduler.ts'
import type { EndReason, LiveCommands, LiveError, LiveEvent, LiveProtocol } from './events.ts'
import { Outbox } from './outbox.ts'
import { Segmenter } from './segmenter.ts'
import { SilenceFill } from './silence-fill.ts'
import {
  FRAME_OVERHEAD_BYTES, MAX_HELD_BYTES, MAX_UNPROCESSED_BYTES, MAX_UNPROCESSED_FRAMES, SHUTDOWN_FLUSH_MS,
  SILENCE_FILL_TICK_MS, type LiveLimits
} from './tuning.ts'
import { UtteranceDecoder } from './utterance-decoder.ts'

export type { SessionClock } from './clock.ts'

/** A session's settings: from the protocol (format, endpointing, utterance end, interims) and from the plan. */
export interface LiveSessionOptions {
  /** Model, language, prompt and text options, settled before the session starts (a bad one never gets here). */
  plan: TranscriptionPlan
  format: StreamFormat
  /** Decode the open utterance now and then (interim events). */
  interimResults: boolean
  /** The pause in ms that closes an utterance at an endpoint (at least MIN_ENDPOINT_MS), or false for none. */
  endpointingMs: number | false
  /** The pause in ms after speech that yields an utterance-end event; undefined for none. */
  utteranceEndMs?: number | undefined
  /**
   * The process's Silero VAD (one scorer per session, whose work in the worker stops when the session ends) and its
   * thresholds: they decide speech, endpoints and utterance ends.
   */
  vad: { detector: { stream (signal?: AbortSignal): WindowScorer }, settings: Pick<VadSettings, 'threshold' | 'negThreshold' | 'minSnrDb'> }
  limits: LiveLimits
  logger?: Logger | undefined
  /** Wall-clock time and timers (tests drive a manual one); default: the real clock. */
  clock?: SessionClock | undefined
}

type OrderlyEnd = Exclude<EndReason, 'gone' | 'error'>

export class LiveSession implements LiveCommands {
  private state: 'open' | 'ending' | 'closed' = 'open'
  private readonly lifetime = new AbortController()
  private readonly intake: AudioIntake
  private readonly segmenter: Segmenter
  private readonly outbox: Outbox<LiveEvent>
  private readonly scheduler: DecodeScheduler
  private readonly detector: StreamingVoiceDetector
  private readonly silence: SilenceFill
  private input: Promise<void> = Promise.resolve()
  private readonly hash = createHash('sha256')
  private samples = 0
  private limitReached = false
  private paused = false
  /** Audio pieces (and their bytes) received and not yet through the input chain, and whether they hold reading. */
  private unprocessedFrames = 0
  private unprocessedBytes = 0
  private backlogPaused = false
  private cancelIdle: (() => void) | undefined
  private readonly clock: SessionClock
  private readonly closedPromise: Promise<void>
  private resolveClosed!: () => void

  private readonly options: LiveSessionOptions
  private readonly protocol: LiveProtocol
  constructor (transcriber: Transcriber, options: LiveSessionOptions, protocol: LiveProtocol) {
    this.options = options
    this.protocol = protocol
    this.clock = options.clock ?? realClock
    // Every queued or running decode of the session (and its Silero request) listens for the end of its lifetime;
    // dozens wait at once under load, each removed when it settles, which is no leak.
    setMaxListeners(0, this.lifetime.signal)
    this.intake = new AudioIntake(options.format)
    this.segmenter = new Segmenter({ endpointingMs: options.endpointingMs, utteranceEndMs: options.utteranceEndMs })
    this.outbox = new Outbox((e) => this.emit(e), (err) => this.onError(err))
    this.scheduler = new DecodeScheduler({ interimResults: options.interimResults, model: options.plan.model }, this.segmenter,
      new UtteranceDecoder(transcriber, options.plan, this.lifetime.signal), this.outbox, {
        open: () => this.state === 'open',
        paused: () => this.paused,
        emit: (e) => this.emit(e),
        onError: (err) => this.onError(err),
        afterFinal: () => this.afterFinal()
      })
    this.silence = new SilenceFill(this.clock, () => this.state === 'open' && !this.paused, (now) => this.fillSilence(now))
    this.closedPromise = new Promise((resolve) => { this.resolveClosed = resolve })
    this.detector = new StreamingVoiceDetector(options.vad.detector.stream(this.lifetime.signal), options.vad.settings)
    this.armIdleTimer()
  }

  /** Resolves when the session has ended, however it ended (after its 'ended' event). */
  get closed (): Promise<void> { return this.closedPromise }

  /** Still taking input: not ending, not ended. */
  get accepting (): boolean { return this.state === 'open' }

  /** Seconds of audio taken so far. */
  get audioSeconds (): number { return this.samples / SAMPLE_RATE }

  audio (bytes: Uint8Array): void {
    if (this.state !== 'open') return
    this.armIdleTimer()
    if (bytes.length === 0) return
    const arrivedAt = this.clock.now()
    this.silence.frameReceived(arrivedAt)
    const held = bytes.length + FRAME_OVERHEAD_BYTES
    this.unprocessedFrames++
    this.unprocessedBytes += held
    if (this.unprocessedBytes > MAX_HELD_BYTES) {
      this.fail('overloaded', `more than ${MAX_HELD_BYTES} bytes of audio received and not yet processed`)
      return
    }
    if (this.unprocessedFrames > MAX_UNPROCESSED_FRAMES || this.unprocessedBytes > MAX_UNPROCESSED_BYTES) this.holdInput(true)
    this.step(async () => {
      try {
        this.hash.update(bytes)
        const pcm = await this.intake.push(bytes)
        if (pcm.length > 0) this.silence.audio(pcm.length, arrivedAt)
        await this.ingest(pcm)
      } finally {
        this.unprocessedFrames--
        this.unprocessedBytes -= held
        if (this.unprocessedFrames <= MAX_UNPROCESSED_FRAMES / 2 && this.unprocessedBytes <= MAX_UNPROCESSED_BYTES / 2) this.holdInput(false)
      }
    })
  }

  flush (): void {
    if (this.state !== 'open') return
    this.armIdleTimer()
    this.step(() => this.scheduler.flush())
  }

  endOfStream (): void {
    this.end('client')
  }

  keepAlive (): void {
    if (this.state !== 'open') return
    this.armIdleTimer()
    this.silence.check()
  }

  reject (message: string): void {
    if (this.state === 'open') this.fail('bad-input', message)
  }

  clientGone (): void {
    this.finish('gone', false)
  }

  async shutdown (graceMs = SHUTDOWN_FLUSH_MS): Promise<void> {
    this.end('shutdown')
    const deadline = setTimeout(() => this.finish('shutdown', false), graceMs)
    await this.closedPromise
    clearTimeout(deadline)
  }

  private step (work: () => Promise<void> | void): void {
    this.input = this.input.then(async () => {
      if (this.state !== 'closed') await work()
    }).catch((err: unknown) => this.onError(err))
  }

  /** Audio into the segmenter, then its VAD decisions (awaited: Silero runs in its worker), inside the input chain. */
  private async ingest (pcm: Float32Array, checkLimits = true): Promise<void> {
    if (pcm.length === 0 || this.limitReached) return
    const room = this.options.limits.maxSeconds * SAMPLE_RATE - this.samples
    const take = pcm.length > room ? pcm.subarray(0, Math.max(0, room)) : pcm
    this.samples += take.length
    this.segmenter.append(take)
    const decisions = await this.detector.push(take)
    if (this.state === 'closed') return
    for (const speech of decisions) for (const event of this.segmenter.frame(speech)) this.scheduler.onEvent(event)
    if (take.length < pcm.length) {
      this.limitReached = true
      this.end('limit')
      return
    }
    if (checkLimits) this.checkBuffer()
    this.scheduler.scheduleInterim()
  }

  /**
   * Audio arrives faster than the input chain takes it (each piece waits on decoding and on Silero's worker): past
   * MAX_UNPROCESSED_FRAMES (or _BYTES) the transport stops being read until half of them are through, so the buffer
   * cap below judges audio the session has actually seen rather than a pile it has not reached yet.
   */
  private holdInput (hold: boolean): void {
    if (hold === this.backlogPaused || this.state === 'closed') return
    this.backlogPaused = hold
    if (this.paused) return // the buffer cap holds reading already, and resumes it
    if (hold) this.protocol.pause()
    else this.protocol.resume()
  }

  /** Undecoded audio over the cap: finalize the open utterance and stop reading until the backlog halves. */
  private checkBuffer (): void {
    const cap = this.options.limits.maxBufferSeconds
    const buffered = this.segmenter.openSeconds + this.scheduler.pendingFinalSeconds
    if (buffered > 2 * cap) {
      this.fail('overloaded', `more than ${2 * cap} s of audio waiting to be transcribed`)
      return
    }
    if (buffered <= cap) return
    const utterance = this.segmenter.flush()
    if (utterance !== undefined) this.scheduler.final(utterance, 'buffer-full', false)
    if (!this.paused) {
      this.paused = true
      this.clearTimers() // not hearing from the client is our doing now
      this.protocol.pause()
    }
  }

  private afterFinal (): void {
    if (this.paused && this.state === 'open' && this.scheduler.pendingFinalSeconds <= this.options.limits.maxBufferSeconds / 2) {
      this.paused = false
      this.armIdleTimer()
      if (!this.backlogPaused) this.protocol.resume()
    }
    this.scheduler.scheduleInterim()
  }

  /** Stops taking input, delivers the last final and everything before it, then 'ended'. */
  private end (reason: OrderlyEnd): void {
    if (this.state !== 'open') return
    this.state = 'ending'
    this.clearTimers()
    if (this.paused || this.backlogPaused) {
      this.paused = false
      this.backlogPaused = false
      this.protocol.resume() // keep reading, if only to see the client's close
    }
    this.step(async () => {
      if (reason !== 'limit') await this.ingest(await this.intake.end(), false)
      const utterance = this.segmenter.flush()
      if (utterance !== undefined) this.scheduler.final(utterance, 'end-of-stream', false)
      await this.outbox.drained()
      this.options.logger?.info({ kind: reason, seconds: this.audioSeconds }, 'live session ended')
      this.finish(reason, true)
    })
  }

  private fail (kind: LiveError['kind'], message: string): void {
    if (this.state === 'closed') return
    this.options.logger?.info({ kind, why: message }, 'live session closed on error')
    this.finish('error', false, { kind, message })
  }

  private onError (err: unknown): void {
    if (this.state === 'closed') return
    if (err instanceof UndecodableAudioError) return this.fail('bad-input', err.message)
    if (err instanceof AppError && err.statusCode < 500) return this.fail('bad-input', err.message)
    this.options.logger?.error({ err }, 'live session failed')
    this.finish('error', false, { kind: 'internal', message: 'live session failed' })
  }

  private finish (reason: EndReason, drained: boolean, error?: LiveError): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    this.clearTimers()
    this.lifetime.abort(new Error('live session closed'))
    this.scheduler.stop()
    this.intake.free()
    this.protocol.event({
      type: 'ended',
      reason,
      ...(error !== undefined ? { error } : {}),
      drained,
      audioSeconds: this.audioSeconds,
      sha256: this.hash.copy().digest('hex'),
      models: this.scheduler.models
    })
    this.resolveClosed()
  }

  private emit (event: LiveEvent): void {
    if (this.state !== 'closed') this.protocol.event(event)
  }

  private armIdleTimer (): void {
    this.clearIdleTimer()
    if (this.state !== 'open' || this.paused) return
    this.cancelIdle = this.clock.timer(() => this.end('idle'), this.options.limits.idleTimeoutSeconds * 1000)
  }

  private clearIdleTimer (): void {
    this.cancelIdle?.()
    this.cancelIdle = undefined
  }

  private clearTimers (): void {
    this.clearIdleTimer()
    this.silence.cancel()
  }

  /**
   * No audio for a while (see SilenceFill): adds the silence the wall clock says has passed since the last audio,
   * judged inside the input chain, after every piece received before it has been decoded and ingested.
   */
  private fillSilence (now: number): void {
    this.step(async () => {
      if (!this.silence.heardAudio || !this.awaitingSilence()) return
      const fill = this.silence.due(now)
      if (fill > 0) await this.ingest(new Float32Array(fill))
      if (this.awaitingSilence()) this.silence.schedule(SILENCE_FILL_TICK_MS)
    })
  }

  /** An open utterance, or an utterance-end still to come: what more silence would move forward. */
  private awaitingSilence (): boolean {
    return this.state === 'open' && (this.segmenter.openId !== undefined || this.segmenter.awaitingUtteranceEnd)
  }
}
