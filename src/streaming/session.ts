/**
 * One live transcription session: Deepgram's /v1/listen protocol over any message transport.
 *
 * Client frames go through one ordered input chain (audio is decoded asynchronously, and a Finalize must act on
 * all audio sent before it): bytes -> AudioIntake (16 kHz mono) -> VoiceDetector (speech per 20 ms) ->
 * Segmenter (utterances) -> UtteranceDecoder (engine) -> Outbox (in order) -> sink.
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
import { AudioIntake, UndecodableAudioError, type StreamFormat } from './audio-intake.ts'
import {
  CLOSE, INTERIM_INTERVAL_SECONDS, MIN_INTERIM_SECONDS, SAMPLE_RATE, SHUTDOWN_FLUSH_MS, type StreamLimits
} from './constants.ts'
import { metadataMessage, resultsMessage, speechStartedMessage, utteranceEndMessage, type LiveMessage } from './messages.ts'
import { Outbox } from './outbox.ts'
import { Segmenter, type SegmenterEvent, type Utterance } from './segmenter.ts'
import { UtteranceDecoder, type DecodedUtterance } from './utterance-decoder.ts'
import { loadVoiceDetector, VoiceDetector } from './vad.ts'

export interface LiveSessionOptions {
  requestId: string
  /** Model, language, prompt and text options, settled before the WebSocket upgrade (a bad one is an HTTP 400). */
  plan: TranscriptionPlan
  format: StreamFormat
  interimResults: boolean
  endpointingMs: number | false
  utteranceEndMs?: number | undefined
  vadEvents: boolean
  tags?: string[] | undefined
  limits: StreamLimits
  logger?: Logger | undefined
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
  private detector: VoiceDetector | undefined
  private input: Promise<void>
  private readonly hash = createHash('sha256')
  private readonly created = new Date()
  private model: ModelDescription
  private samples = 0
  private limitReached = false
  private pendingFinalSeconds = 0
  private paused = false
  private idleTimer: NodeJS.Timeout | undefined
  private interim: { id: number, controller: AbortController } | undefined
  /** Utterance length at the last interim launch, per utterance id. */
  private interimMark = { id: 0, seconds: 0 }
  private lastWordEnd = 0
  private wordsSinceUtteranceEnd = false
  private readonly closedPromise: Promise<void>
  private resolveClosed!: () => void

  constructor (transcriber: Transcriber, private readonly options: LiveSessionOptions, private readonly sink: LiveSink) {
    this.model = options.plan.model
    this.intake = new AudioIntake(options.format)
    this.segmenter = new Segmenter({ endpointingMs: options.endpointingMs, utteranceEndMs: options.utteranceEndMs })
    this.decoder = new UtteranceDecoder(transcriber, options.plan, this.lifetime.signal)
    this.outbox = new Outbox((m) => this.send(m), (err) => this.onError(err))
    this.closedPromise = new Promise((resolve) => { this.resolveClosed = resolve })
    this.input = loadVoiceDetector().then((vad) => { this.detector = new VoiceDetector(vad) })
    this.input.catch((err: unknown) => this.onError(err))
    this.armIdleTimer()
  }

  /** Resolves when the session has closed, whoever closed it. */
  get closed (): Promise<void> { return this.closedPromise }

  /** A binary frame. An empty one ends the stream, as in Deepgram's original protocol. */
  receiveAudio (bytes: Uint8Array): void {
    if (this.state !== 'open') return
    this.armIdleTimer()
    if (bytes.length === 0) {
      this.end('client')
      return
    }
    this.step(async () => {
      this.hash.update(bytes)
      this.ingest(await this.intake.push(bytes))
    })
  }

  /** A text frame: KeepAlive, Finalize or CloseStream; anything else closes 1008 DATA-0000. */
  receiveText (text: string): void {
    if (this.state !== 'open') return
    this.armIdleTimer()
    let type: unknown
    try {
      type = (JSON.parse(text) as { type?: unknown } | null)?.type
    } catch {}
    if (type === 'KeepAlive') return
    if (type === 'Finalize') this.step(() => this.finalize())
    else if (type === 'CloseStream') this.end('client')
    else this.fail(CLOSE.badData, 'text frame is not a KeepAlive, Finalize or CloseStream message')
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

  private ingest (pcm: Float32Array, checkLimits = true): void {
    if (pcm.length === 0 || this.limitReached || this.detector === undefined) return
    const room = this.options.limits.maxSeconds * SAMPLE_RATE - this.samples
    const take = pcm.length > room ? pcm.subarray(0, Math.max(0, room)) : pcm
    this.samples += take.length
    this.segmenter.append(take)
    this.detector.push(take, (speech) => { for (const event of this.segmenter.frame(speech)) this.onEvent(event) })
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
    this.outbox.add(decoded, (d) => {
      if (d.transcript.words.length > 0) {
        this.lastWordEnd = (d.transcript.words.at(-1) as { end: number }).end
        this.wordsSinceUtteranceEnd = true
      }
      return this.results(utterance, d, true, speechFinal, fromFinalize)
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
      isFinal,
      speechFinal,
      fromFinalize
    })
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
      this.clearIdleTimer() // not hearing from the client is our doing now
      this.sink.pause()
    }
  }

  private afterFinal (): void {
    if (this.paused && this.state === 'open' && this.pendingFinalSeconds <= this.options.limits.maxBufferSeconds / 2) {
      this.paused = false
      this.armIdleTimer()
      this.sink.resume()
    }
    this.scheduleInterim()
  }

  /** Stops taking input, delivers the last final and Metadata, then closes with the ending's code. */
  private end (kind: Ending): void {
    if (this.state !== 'open') return
    this.state = 'ending'
    this.clearIdleTimer()
    if (this.paused) {
      this.paused = false
      this.sink.resume() // keep reading, if only to see the client's close frame
    }
    this.step(async () => {
      if (kind !== 'limit') this.ingest(await this.intake.end(), false)
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
    this.clearIdleTimer()
    this.lifetime.abort(new Error('live session closed'))
    this.interim?.controller.abort()
    this.detector?.free()
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
    this.idleTimer = setTimeout(() => this.end('idle'), this.options.limits.idleTimeoutSeconds * 1000)
  }

  private clearIdleTimer (): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer)
    this.idleTimer = undefined
  }
}
