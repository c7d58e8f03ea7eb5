/**
 * One live transcription session: Deepgram's /v1/listen protocol over any message transport.
 *
 * Client frames go through one ordered input chain (audio is decoded asynchronously, Silero scores it in its
 * worker thread, and a Finalize must act on all audio sent before it): bytes -> AudioIntake (16 kHz mono) ->
 * StreamingVoiceDetector (Silero, speech per 20 ms) -> Segmenter (utterances) -> UtteranceDecoder (engine) ->
 * Outbox (in order) -> sink.
 *
 * Message sequence: SpeechStarted (vad_events) when an utterance opens; interim Results (interim_results) about
 * once per second of its audio while speech goes on, only when nothing else of this session is decoding or
 * waiting to be sent; the final Results (is_final, plus speech_final at an endpoint) when it closes;
 * UtteranceEnd (utterance_end_ms) after its final; and on CloseStream the last final, then Metadata, then close
 * 1000. Finalize closes the open utterance the same way (from_finalize: true) and answers with an empty final
 * when nothing was open, so a client waiting for the flush always gets its answer.
 */
import { createHash } from 'node:crypto'
import { AppError } from '../errors.ts'
import type { Logger, ModelDescription, Transcriber } from '../engine/types.ts'
import type { TranscriptionPlan } from '../transcription/plan.ts'
import { StreamingVoiceDetector, type VadSettings, type WindowScorer } from '../transcription/vad/index.ts'
import { AudioIntake, UndecodableAudioError, type StreamFormat } from './audio-intake.ts'
import {
  CLOSE, INTERIM_INTERVAL_SECONDS, MIN_INTERIM_SECONDS, SAMPLE_RATE, SHUTDOWN_FLUSH_MS, MAX_FRAME_GAP_MS,
  SILENCE_FILL_AFTER_MS, SILENCE_FILL_TICK_MS, VAD_FRAME_SAMPLES, MAX_UNPROCESSED_FRAMES, type StreamLimits
} from './constants.ts'
import { metadataMessage, resultsMessage, speechStartedMessage, utteranceEndMessage, type LiveMessage } from './messages.ts'
import { Outbox } from './outbox.ts'
import { Segmenter, type SegmenterEvent, type Utterance } from './segmenter.ts'
import { UtteranceDecoder, type DecodedUtterance } from './utterance-decoder.ts'

export interface LiveSessionOptions {
  requestId: string
  /** Model, language, prompt and text options, settled before the WebSocket upgrade (a bad one is an HTTP 400). */
  plan: TranscriptionPlan
  format: StreamFormat
  interimResults: boolean
  endpointingMs: number | false
  utteranceEndMs?: number | undefined
  vadEvents: boolean
  /** The process's Silero VAD (one scorer per session) and its thresholds: they decide speech, endpoints and UtteranceEnd. */
  vad: { detector: { stream (): WindowScorer }, settings: Pick<VadSettings, 'threshold' | 'negThreshold' | 'minSnrDb'> }
  tags?: string[] | undefined
  limits: StreamLimits
  logger?: Logger | undefined
  /** Wall-clock time and timers (tests drive a manual one); default: the real clock. */
  clock?: SessionClock | undefined
}

/** The session's wall clock: idle timeout and silence fill run on it. */
export interface SessionClock {
  now (): number
  /** Runs `fn` after `ms`; returns a function that cancels it. */
  timer (fn: () => void, ms: number): () => void
}

export const realClock: SessionClock = {
  now: () => performance.now(),
  timer: (fn, ms) => {
    // setImmediate: a timer can fire before the poll phase reads frames that arrived meanwhile; acting after it
    // means "no audio for this long" is judged with everything the socket already holds.
    const handle = setTimeout(() => setImmediate(fn), ms)
    return () => { clearTimeout(handle) }
  }
}

/** Where the session's output goes: a WebSocket in production, anything in tests. */
export interface LiveSink {
  send (message: LiveMessage): void
  close (code: number, reason: string): void
  /** Stop reading client frames until resume(): the session holds as much undecoded audio as it may. */
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
  private readonly decoder: UtteranceDecoder
  private readonly outbox: Outbox
  private readonly detector: StreamingVoiceDetector
  private input: Promise<void> = Promise.resolve()
  private readonly hash = createHash('sha256')
  private readonly created = new Date()
  private model: ModelDescription
  private samples = 0
  private limitReached = false
  private pendingFinalSeconds = 0
  private paused = false
  /** Binary frames received and not yet through the input chain, and whether that backlog holds reading. */
  private unprocessedFrames = 0
  private backlogPaused = false
  private cancelIdle: (() => void) | undefined
  private readonly clock: SessionClock
  /** Wall clock when the latest binary frame arrived, and when the latest decoded audio of one did. */
  private lastReceivedAt = 0
  private lastAudioAt: number | undefined
  /** The client's usual gap between frames (ms, slowly forgotten) and how far its audio runs ahead of real time. */
  private frameGapMs = 0
  private leadSeconds = 0
  /** Samples of silence added since the last real audio (see noteAudio). */
  private filledSinceAudio = 0
  private cancelSilence: (() => void) | undefined
  /** The latest final not yet sent: a Finalize arriving meanwhile marks it rather than sending an empty one. */
  private unsentFinal: { fromFinalize: boolean } | undefined
  private interim: { id: number, controller: AbortController } | undefined
  /** Utterance length at the last interim launch, per utterance id. */
  private interimMark = { id: 0, seconds: 0 }
  private lastWordEnd = 0
  private wordsSinceUtteranceEnd = false
  private readonly closedPromise: Promise<void>
  private resolveClosed!: () => void

  constructor (transcriber: Transcriber, private readonly options: LiveSessionOptions, private readonly sink: LiveSink) {
    this.model = options.plan.model
    this.clock = options.clock ?? realClock
    this.intake = new AudioIntake(options.format)
    this.segmenter = new Segmenter({ endpointingMs: options.endpointingMs, utteranceEndMs: options.utteranceEndMs })
    this.decoder = new UtteranceDecoder(transcriber, options.plan, this.lifetime.signal)
    this.outbox = new Outbox((m) => this.send(m), (err) => this.onError(err))
    this.closedPromise = new Promise((resolve) => { this.resolveClosed = resolve })
    this.detector = new StreamingVoiceDetector(options.vad.detector.stream(), options.vad.settings)
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
    this.lastReceivedAt = arrivedAt
    this.scheduleSilenceFill(this.stallMs())
    this.unprocessedFrames++
    if (this.unprocessedFrames > MAX_UNPROCESSED_FRAMES) this.holdInput(true)
    this.step(async () => {
      try {
        this.hash.update(bytes)
        const pcm = await this.intake.push(bytes)
        if (pcm.length > 0) this.noteAudio(pcm.length, arrivedAt)
        await this.ingest(pcm)
      } finally {
        this.unprocessedFrames--
        if (this.unprocessedFrames <= MAX_UNPROCESSED_FRAMES / 2) this.holdInput(false)
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
    if (type === 'KeepAlive') this.fillSilence()
    else if (type === 'Finalize') this.step(() => this.finalize())
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
    for (const speech of decisions) for (const event of this.segmenter.frame(speech)) this.onEvent(event)
    if (take.length < pcm.length) {
      this.limitReached = true
      this.end('limit')
      return
    }
    if (checkLimits) this.checkBuffer()
    this.scheduleInterim()
  }

  private onEvent (event: SegmenterEvent): void {
    if (event.type === 'speech-started') {
      if (this.options.vadEvents) this.send(speechStartedMessage(event.at))
    } else if (event.type === 'utterance') {
      this.queueFinal(event.utterance, event.speechFinal, false)
    } else if (this.options.utteranceEndMs !== undefined) {
      this.outbox.add(Promise.resolve(), () => {
        if (!this.wordsSinceUtteranceEnd) return undefined
        this.wordsSinceUtteranceEnd = false
        return utteranceEndMessage(this.lastWordEnd)
      })
    }
  }

  private finalize (): void {
    const utterance = this.segmenter.flush()
    if (utterance !== undefined) {
      this.queueFinal(utterance, false, true)
      return
    }
    if (this.unsentFinal !== undefined) {
      // The endpoint closed the utterance a moment ago and its final is still being decoded: that final is the
      // answer to this Finalize.
      this.unsentFinal.fromFinalize = true
      return
    }
    const now = this.segmenter.now
    this.outbox.add(Promise.resolve(), () => this.results({ start: now, end: now }, undefined, true, false, true))
  }

  private queueFinal (utterance: Utterance, speechFinal: boolean, fromFinalize: boolean): void {
    this.interim?.controller.abort() // an interim of this utterance still waiting in the queue is pointless now
    const seconds = utterance.end - utterance.start
    this.pendingFinalSeconds += seconds
    const decoded = this.decoder.final(utterance).finally(() => {
      this.pendingFinalSeconds -= seconds
      this.afterFinal()
    })
    const pending = { fromFinalize }
    this.unsentFinal = pending
    this.outbox.add(decoded, (d) => {
      if (this.unsentFinal === pending) this.unsentFinal = undefined
      if (d.transcript.words.length > 0) {
        this.lastWordEnd = (d.transcript.words.at(-1) as { end: number }).end
        this.wordsSinceUtteranceEnd = true
      }
      return this.results(utterance, d, true, speechFinal, pending.fromFinalize)
    })
  }

  private scheduleInterim (): void {
    if (!this.options.interimResults || this.state !== 'open' || this.paused) return
    if (this.interim !== undefined || this.outbox.pending > 0 || !this.segmenter.inSpeech) return
    const id = this.segmenter.openId as number
    const length = this.segmenter.openSeconds
    const since = this.interimMark.id === id ? this.interimMark.seconds : 0
    if (length < Math.max(MIN_INTERIM_SECONDS, since + INTERIM_INTERVAL_SECONDS)) return
    const utterance = this.segmenter.current() as Utterance
    const controller = new AbortController()
    this.interim = { id, controller }
    this.interimMark = { id, seconds: length }
    this.decoder.interim(utterance, controller.signal).then((d) => {
      // Stale once its utterance has closed or anything (a final) is queued to go out before it.
      if (d === undefined || this.state !== 'open' || this.segmenter.openId !== id || this.outbox.pending > 0) return
      this.send(this.results(utterance, d, false, false, false))
    }, (err: unknown) => this.onError(err)).finally(() => {
      this.interim = undefined
      this.scheduleInterim()
    })
  }

  private results (span: { start: number, end: number }, decoded: DecodedUtterance | undefined,
    isFinal: boolean, speechFinal: boolean, fromFinalize: boolean): LiveMessage {
    if (decoded !== undefined) this.model = decoded.model
    return resultsMessage({
      requestId: this.options.requestId,
      model: this.model,
      start: span.start,
      end: span.end,
      transcript: decoded?.transcript,
      diarize: this.options.plan.structure.diarize,
      search: this.options.plan.text.search,
      isFinal,
      speechFinal,
      fromFinalize
    })
  }

  /**
   * Frames arrive faster than the input chain takes them (each waits on decoding and on Silero's worker): past
   * MAX_UNPROCESSED_FRAMES the socket stops being read until half of them are through, so the buffer cap below
   * judges audio the session has actually seen rather than a pile it has not reached yet.
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
    const buffered = this.segmenter.openSeconds + this.pendingFinalSeconds
    if (buffered > 2 * cap) {
      this.fail(CLOSE.bufferFull, `more than ${2 * cap} s of audio waiting to be transcribed`)
      return
    }
    if (buffered <= cap) return
    const utterance = this.segmenter.flush()
    if (utterance !== undefined) this.queueFinal(utterance, false, false)
    if (!this.paused) {
      this.paused = true
      this.clearTimers() // not hearing from the client is our doing now
      this.sink.pause()
    }
  }

  private afterFinal (): void {
    if (this.paused && this.state === 'open' && this.pendingFinalSeconds <= this.options.limits.maxBufferSeconds / 2) {
      this.paused = false
      this.armIdleTimer()
      if (!this.backlogPaused) this.sink.resume()
    }
    this.scheduleInterim()
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
      if (utterance !== undefined) this.queueFinal(utterance, false, false)
      this.outbox.add(Promise.resolve(), () => metadataMessage({
        requestId: this.options.requestId,
        sha256: this.hash.copy().digest('hex'),
        created: this.created,
        duration: this.samples / SAMPLE_RATE,
        models: [this.model],
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
    this.interim?.controller.abort()
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
    this.cancelSilence?.()
    this.cancelSilence = undefined
  }

  /**
   * Voice-agent clients stop sending audio after a second of silence and only send KeepAlive: without more audio
   * the endpointer would never see the pause go on, so no final, speech_final or UtteranceEnd would come. Once no
   * audio has arrived for a while (SILENCE_FILL_AFTER_MS, or three times the client's usual gap between frames),
   * the wall-clock time since the last frame counts as silence while an utterance is open or an UtteranceEnd is
   * due. Audio a client sent ahead of real time (its lead) is used up first, so a fast sender is never padded.
   */
  private noteAudio (samples: number, arrivedAt: number): void {
    if (this.lastAudioAt !== undefined) {
      const gap = arrivedAt - this.lastAudioAt
      if (gap < MAX_FRAME_GAP_MS) this.frameGapMs = Math.max(gap, this.frameGapMs * 0.98)
      this.leadSeconds = Math.max(0, this.leadSeconds - gap / 1000)
    }
    this.leadSeconds += samples / SAMPLE_RATE
    this.lastAudioAt = arrivedAt
    this.filledSinceAudio = 0
  }

  private stallMs (): number {
    return Math.max(SILENCE_FILL_AFTER_MS, 3 * this.frameGapMs)
  }

  private scheduleSilenceFill (ms: number): void {
    this.cancelSilence?.()
    this.cancelSilence = this.state === 'open' && !this.paused ? this.clock.timer(() => this.fillSilence(), ms) : undefined
  }

  /**
   * Adds the silence the wall clock says has passed since the last audio frame (see noteAudio). Judged inside the
   * input chain, after every frame received before it has been decoded and ingested.
   */
  private fillSilence (): void {
    if (this.state !== 'open' || this.paused) return
    const now = this.clock.now()
    const waited = now - this.lastReceivedAt
    if (waited < this.stallMs()) {
      this.scheduleSilenceFill(this.stallMs() - waited)
      return
    }
    this.step(async () => {
      if (this.lastAudioAt === undefined || !this.awaitingSilence()) return
      const gap = (now - this.lastAudioAt) / 1000
      const due = gap - this.leadSeconds - this.filledSinceAudio / SAMPLE_RATE
      const fill = Math.floor(due * SAMPLE_RATE / VAD_FRAME_SAMPLES) * VAD_FRAME_SAMPLES
      if (fill > 0) {
        this.filledSinceAudio += fill
        await this.ingest(new Float32Array(fill))
      }
      if (this.awaitingSilence()) this.scheduleSilenceFill(SILENCE_FILL_TICK_MS)
    })
  }

  /** An open utterance, or an UtteranceEnd still to come: what more silence would move forward. */
  private awaitingSilence (): boolean {
    return this.state === 'open' && (this.segmenter.openId !== undefined || this.segmenter.awaitingUtteranceEnd)
  }
}
