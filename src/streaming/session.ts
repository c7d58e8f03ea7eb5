/**
 * One live transcription session: Deepgram's /v1/listen protocol over any message transport.
 *
 * Client frames go through one ordered input chain (audio is decoded asynchronously, Silero scores it in its
 * worker thread, and a Finalize must act on all audio sent before it): bytes -> AudioIntake (16 kHz mono) ->
 * StreamingVoiceDetector (Silero, speech per 20 ms) -> Segmenter (utterances) -> UtteranceDecoder (engine) ->
 * Outbox (in order) -> sink.
 *
 * What is said about each utterance (SpeechStarted, interim and final Results, UtteranceEnd, the answer to
 * Finalize) is UtteranceResults' part; silence added for a client that stopped sending, SilenceFill's. This class
 * owns the input chain, flow control, the idle timeout and the endings: on CloseStream the last final, then
 * Metadata, then close 1000.
 */
import { createHash } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { AppError } from '../errors.ts'
import type { Logger, Transcriber } from '../engine/types.ts'
import type { TranscriptionPlan } from '../transcription/plan.ts'
import { StreamingVoiceDetector, type VadSettings, type WindowScorer } from '../transcription/vad/index.ts'
import { AudioIntake, UndecodableAudioError, type StreamFormat } from './audio-intake.ts'
import {
  CLOSE, FRAME_OVERHEAD_BYTES, MAX_HELD_BYTES, MAX_UNPROCESSED_BYTES, MAX_UNPROCESSED_FRAMES, SAMPLE_RATE,
  SHUTDOWN_FLUSH_MS, SILENCE_FILL_TICK_MS, type StreamLimits
} from './constants.ts'
import { metadataMessage, type LiveMessage } from './messages.ts'
import { Outbox } from './outbox.ts'
import { Segmenter } from './segmenter.ts'
import { realClock, type SessionClock } from './session-clock.ts'
import { SilenceFill } from './silence-fill.ts'
import { UtteranceDecoder } from './utterance-decoder.ts'
import { UtteranceResults } from './utterance-results.ts'

export type { SessionClock } from './session-clock.ts'

export interface LiveSessionOptions {
  requestId: string
  /** Model, language, prompt and text options, settled before the WebSocket upgrade (a bad one is an HTTP 400). */
  plan: TranscriptionPlan
  format: StreamFormat
  interimResults: boolean
  endpointingMs: number | false
  utteranceEndMs?: number | undefined
  vadEvents: boolean
  /** Deepgram diarize: words carry speaker 0 */
  diarize: boolean
  /**
   * The process's Silero VAD (one scorer per session, whose work in the worker stops when `signal` aborts) and its
   * thresholds: they decide speech, endpoints and UtteranceEnd.
   */
  vad: { detector: { stream (signal?: AbortSignal): WindowScorer }, settings: Pick<VadSettings, 'threshold' | 'negThreshold' | 'minSnrDb'> }
  tags?: string[] | undefined
  limits: StreamLimits
  logger?: Logger | undefined
  /** Wall-clock time and timers (tests drive a manual one); default: the real clock. */
  clock?: SessionClock | undefined
}

/** Where the session's output goes: a WebSocket in production, anything in tests. */
export interface LiveSink {
  send (message: LiveMessage): void
  close (code: number, reason: string): void
  /**
   * Stop reading client frames until resume(): the session holds as much undecoded audio as it may. A client that
   * goes away meanwhile must still be noticed (LiveSession.clientGone), or its session lives on until its backlog
   * has been decoded for nobody.
   */
  pause (): void
  resume (): void
}

type Ending = 'client' | 'idle' | 'limit' | 'shutdown'
const ENDING_CLOSE = { client: CLOSE.normal, idle: CLOSE.idle, limit: CLOSE.sessionTooLong, shutdown: CLOSE.goingAway }

export class LiveSession {
  private state: 'open' | 'ending' | 'closed' = 'open'
  private readonly lifetime = new AbortController()
  private readonly intake: AudioIntake
  private readonly segmenter: Segmenter
  private readonly outbox: Outbox
  private readonly results: UtteranceResults
  private readonly detector: StreamingVoiceDetector
  private readonly silence: SilenceFill
  private input: Promise<void> = Promise.resolve()
  private readonly hash = createHash('sha256')
  private readonly created = new Date()
  private samples = 0
  private limitReached = false
  private paused = false
  /** Binary frames (and their bytes) received and not yet through the input chain, and whether they hold reading. */
  private unprocessedFrames = 0
  private unprocessedBytes = 0
  private backlogPaused = false
  private cancelIdle: (() => void) | undefined
  private readonly clock: SessionClock
  private readonly closedPromise: Promise<void>
  private resolveClosed!: () => void

  private readonly options: LiveSessionOptions
  private readonly sink: LiveSink
  constructor (transcriber: Transcriber, options: LiveSessionOptions, sink: LiveSink) {
    this.options = options
    this.sink = sink
    this.clock = options.clock ?? realClock
    // Every queued or running decode of the session (and its Silero request) listens for the end of its lifetime;
    // dozens wait at once under load, each removed when it settles, which is no leak.
    setMaxListeners(0, this.lifetime.signal)
    this.intake = new AudioIntake(options.format)
    this.segmenter = new Segmenter({ endpointingMs: options.endpointingMs, utteranceEndMs: options.utteranceEndMs })
    this.outbox = new Outbox((m) => this.send(m), (err) => this.onError(err))
    this.results = new UtteranceResults(options, this.segmenter, new UtteranceDecoder(transcriber, options.plan, this.lifetime.signal),
      this.outbox, {
        open: () => this.state === 'open',
        paused: () => this.paused,
        send: (m) => this.send(m),
        onError: (err) => this.onError(err),
        afterFinal: () => this.afterFinal()
      })
    this.silence = new SilenceFill(this.clock, () => this.state === 'open' && !this.paused, (now) => this.fillSilence(now))
    this.closedPromise = new Promise((resolve) => { this.resolveClosed = resolve })
    this.detector = new StreamingVoiceDetector(options.vad.detector.stream(this.lifetime.signal), options.vad.settings)
    this.armIdleTimer()
  }

  /** Resolves when the session has closed, whoever closed it. */
  get closed (): Promise<void> { return this.closedPromise }

  /** Seconds of audio received and decoded so far: Metadata's duration, and the session's usage. */
  get audioSeconds (): number { return this.samples / SAMPLE_RATE }

  /** A binary frame. An empty one ends the stream, as in Deepgram's original protocol. */
  receiveAudio (bytes: Uint8Array): void {
    if (this.state !== 'open') return
    this.armIdleTimer()
    if (bytes.length === 0) {
      this.end('client')
      return
    }
    const arrivedAt = this.clock.now()
    this.silence.frameReceived(arrivedAt)
    const held = bytes.length + FRAME_OVERHEAD_BYTES
    this.unprocessedFrames++
    this.unprocessedBytes += held
    if (this.unprocessedBytes > MAX_HELD_BYTES) {
      this.fail(CLOSE.bufferFull, `more than ${MAX_HELD_BYTES} bytes of audio received and not yet processed`)
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

  /**
   * A text frame: KeepAlive, Finalize or CloseStream. Other JSON (SDK v4's `Configure`, messages of later
   * protocol versions) is ignored with a log line; a frame that is not JSON closes 1008 DATA-0000.
   */
  receiveText (text: string): void {
    if (this.state !== 'open') return
    this.armIdleTimer()
    let message: unknown
    try {
      message = JSON.parse(text)
    } catch {
      this.fail(CLOSE.badData, 'text frame is not JSON')
      return
    }
    const type = typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined
    if (type === 'KeepAlive') this.silence.check()
    else if (type === 'Finalize') this.step(() => this.results.finalize())
    else if (type === 'CloseStream') this.end('client')
    else this.options.logger?.info({ type: typeof type === 'string' ? type.slice(0, 64) : typeof type }, 'live text message ignored')
  }

  /** The client went away: drop queued work, send nothing more. */
  clientGone (): void {
    if (this.state !== 'closed') this.finish(undefined)
  }

  /** Server shutdown: deliver what is buffered if it can be done within `graceMs`, then close 1001 regardless. */
  async shutdown (graceMs = SHUTDOWN_FLUSH_MS): Promise<void> {
    this.end('shutdown')
    const deadline = setTimeout(() => this.finish(CLOSE.goingAway), graceMs)
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
    for (const speech of decisions) for (const event of this.segmenter.frame(speech)) this.results.onEvent(event)
    if (take.length < pcm.length) {
      this.limitReached = true
      this.end('limit')
      return
    }
    if (checkLimits) this.checkBuffer()
    this.results.scheduleInterim()
  }

  /**
   * Frames arrive faster than the input chain takes them (each waits on decoding and on Silero's worker): past
   * MAX_UNPROCESSED_FRAMES (or _BYTES) the socket stops being read until half of them are through, so the buffer
   * cap below judges audio the session has actually seen rather than a pile it has not reached yet.
   */
  private holdInput (hold: boolean): void {
    if (hold === this.backlogPaused || this.state === 'closed') return
    this.backlogPaused = hold
    if (this.paused) return // the buffer cap holds reading already, and resumes it
    if (hold) this.sink.pause()
    else this.sink.resume()
  }

  /** Undecoded audio over the cap: finalize the open utterance and stop reading until the backlog halves. */
  private checkBuffer (): void {
    const cap = this.options.limits.maxBufferSeconds
    const buffered = this.segmenter.openSeconds + this.results.pendingFinalSeconds
    if (buffered > 2 * cap) {
      this.fail(CLOSE.bufferFull, `more than ${2 * cap} s of audio waiting to be transcribed`)
      return
    }
    if (buffered <= cap) return
    const utterance = this.segmenter.flush()
    if (utterance !== undefined) this.results.final(utterance, false, false)
    if (!this.paused) {
      this.paused = true
      this.clearTimers() // not hearing from the client is our doing now
      this.sink.pause()
    }
  }

  private afterFinal (): void {
    if (this.paused && this.state === 'open' && this.results.pendingFinalSeconds <= this.options.limits.maxBufferSeconds / 2) {
      this.paused = false
      this.armIdleTimer()
      if (!this.backlogPaused) this.sink.resume()
    }
    this.results.scheduleInterim()
  }

  /** Stops taking input, delivers the last final and Metadata, then closes with the ending's code. */
  private end (kind: Ending): void {
    if (this.state !== 'open') return
    this.state = 'ending'
    this.clearTimers()
    if (this.paused || this.backlogPaused) {
      this.paused = false
      this.backlogPaused = false
      this.sink.resume() // keep reading, if only to see the client's close frame
    }
    this.step(async () => {
      if (kind !== 'limit') await this.ingest(await this.intake.end(), false)
      const utterance = this.segmenter.flush()
      if (utterance !== undefined) this.results.final(utterance, false, false)
      this.outbox.add(Promise.resolve(), () => metadataMessage({
        requestId: this.options.requestId,
        sha256: this.hash.copy().digest('hex'),
        created: this.created,
        duration: this.samples / SAMPLE_RATE,
        models: [this.results.currentModel],
        tags: this.options.tags
      }))
      await this.outbox.drained()
      this.options.logger?.info({ kind, seconds: this.samples / SAMPLE_RATE }, 'live session ended')
      this.finish(ENDING_CLOSE[kind])
    })
  }

  private fail (close: { code: number, reason: string }, why: string): void {
    if (this.state === 'closed') return
    this.options.logger?.info({ code: close.code, reason: close.reason, why }, 'live session closed on error')
    this.finish(close)
  }

  private onError (err: unknown): void {
    if (this.state === 'closed') return
    if (err instanceof UndecodableAudioError) return this.fail(CLOSE.badData, err.message)
    if (err instanceof AppError && err.statusCode < 500) return this.fail(CLOSE.badData, err.message)
    this.options.logger?.error({ err }, 'live session failed')
    this.finish(CLOSE.internal)
  }

  private finish (close: { code: number, reason: string } | undefined): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    this.clearTimers()
    this.lifetime.abort(new Error('live session closed'))
    this.results.stop()
    this.intake.free()
    if (close !== undefined) this.sink.close(close.code, close.reason)
    this.resolveClosed()
  }

  private send (message: LiveMessage): void {
    if (this.state !== 'closed') this.sink.send(message)
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
   * No frame for a while (see SilenceFill): adds the silence the wall clock says has passed since the last audio,
   * judged inside the input chain, after every frame received before it has been decoded and ingested.
   */
  private fillSilence (now: number): void {
    this.step(async () => {
      if (!this.silence.heardAudio || !this.awaitingSilence()) return
      const fill = this.silence.due(now)
      if (fill > 0) await this.ingest(new Float32Array(fill))
      if (this.awaitingSilence()) this.silence.schedule(SILENCE_FILL_TICK_MS)
    })
  }

  /** An open utterance, or an UtteranceEnd still to come: what more silence would move forward. */
  private awaitingSilence (): boolean {
    return this.state === 'open' && (this.segmenter.openId !== undefined || this.segmenter.awaitingUtteranceEnd)
  }
}
