/**
 * Deepgram's live /v1/listen protocol over the live core (src/live/): client frames become core commands, the
 * core's events become Deepgram's messages, its ending a Deepgram close.
 *
 * Client frames: binary audio (an empty one ends the stream, as in Deepgram's original protocol); text
 * KeepAlive, Finalize (flush) and CloseStream (end of stream). Other JSON (SDK v4's `Configure`, messages of later
 * protocol versions) is ignored with a log line; a text frame that is not JSON closes 1008 DATA-0000.
 *
 * Utterance results: SpeechStarted when speech begins (vad_events); interim Results (is_final: false); one final
 * Results per utterance (is_final, speech_final when an endpoint closed it, from_finalize when it answers a
 * Finalize); a Finalize with nothing to close is answered by an empty final; UtteranceEnd (utterance_end_ms) after
 * the final it follows, and only when words came since the last one. Then Metadata (after an orderly ending) and
 * the close (./close-codes.ts).
 */
import type { ModelDescription, Transcriber } from '../../../engine/types.ts'
import type { LiveEndedEvent, LiveEvent } from '../../../live/events.ts'
import { LiveSession, type LiveSessionOptions } from '../../../live/session.ts'
import type { ChannelTranscript } from '../../../transcription/transcribe.ts'
import { closeFor } from './close-codes.ts'
import { metadataMessage, resultsMessage, speechStartedMessage, utteranceEndMessage, type LiveMessage, type ResultsMessage } from './messages.ts'

export interface DeepgramLiveSessionOptions extends LiveSessionOptions {
  requestId: string
  /** Send SpeechStarted. */
  vadEvents: boolean
  /** Echoed in Metadata. */
  tags?: string[] | undefined
  /** diarize: words carry speaker 0 (./plan.ts deepgramReply). */
  diarize: boolean
}

/** Where the session's messages go: a WebSocket in production (src/live/websocket-transport.ts), anything in tests. */
export interface DeepgramLiveTransport {
  send (message: LiveMessage): void
  close (code: number, reason: string): void
  /** Flow control, as the core asks it (src/live/events.ts LiveProtocol). */
  pause (): void
  resume (): void
}

export class DeepgramLiveSession {
  private readonly core: LiveSession
  private readonly created = new Date()
  /** The model of the latest Results (the plan's until then): an empty final names it. */
  private model: ModelDescription
  private lastWordEnd = 0
  private wordsSinceUtteranceEnd = false
  private code: number | undefined

  private readonly options: DeepgramLiveSessionOptions
  private readonly transport: DeepgramLiveTransport
  constructor (transcriber: Transcriber, options: DeepgramLiveSessionOptions, transport: DeepgramLiveTransport) {
    this.options = options
    this.transport = transport
    this.model = options.plan.model
    this.core = new LiveSession(transcriber, options, {
      event: (event) => this.onEvent(event),
      pause: () => transport.pause(),
      resume: () => transport.resume()
    })
  }

  /** Resolves when the session has closed, whoever closed it. */
  get closed (): Promise<void> { return this.core.closed }

  /** Seconds of audio received so far: Metadata's duration, and the session's usage. */
  get audioSeconds (): number { return this.core.audioSeconds }

  /** The code the session closed the socket with; undefined while open, or when the client went away first. */
  get closeCode (): number | undefined { return this.code }

  /** A binary frame. An empty one ends the stream, as in Deepgram's original protocol. */
  receiveAudio (bytes: Uint8Array): void {
    if (bytes.length === 0) this.core.endOfStream()
    else this.core.audio(bytes)
  }

  /** A text frame: KeepAlive, Finalize or CloseStream; other JSON is ignored, anything else closes DATA-0000. */
  receiveText (text: string): void {
    if (!this.core.accepting) return
    let message: unknown
    try {
      message = JSON.parse(text)
    } catch {
      this.core.reject('text frame is not JSON')
      return
    }
    const type = typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined
    if (type === 'KeepAlive') this.core.keepAlive()
    else if (type === 'Finalize') this.core.flush()
    else if (type === 'CloseStream') this.core.endOfStream()
    else {
      this.core.keepAlive() // a message all the same: the client is there
      this.options.logger?.info({ type: typeof type === 'string' ? type.slice(0, 64) : typeof type }, 'live text message ignored')
    }
  }

  /** The client went away: drop queued work, send nothing more. */
  clientGone (): void {
    this.core.clientGone()
  }

  /** Server shutdown: deliver what is buffered if it can be done within `graceMs`, then close 1001 regardless. */
  async shutdown (graceMs?: number): Promise<void> {
    await this.core.shutdown(graceMs)
  }

  private onEvent (event: LiveEvent): void {
    switch (event.type) {
      case 'speech-started':
        if (this.options.vadEvents) this.transport.send(speechStartedMessage(event.at))
        return
      case 'interim':
        this.model = event.model
        this.transport.send(this.results(event, event.transcript, false, false, false))
        return
      case 'final':
        this.model = event.model
        if (event.transcript.words.length > 0) {
          this.lastWordEnd = (event.transcript.words.at(-1) as { end: number }).end
          this.wordsSinceUtteranceEnd = true
        }
        this.transport.send(this.results(event, event.transcript, true, event.reason === 'endpoint', event.answersFlush))
        return
      case 'flush-empty':
        // the Finalize found nothing to flush: a client waiting for its answer still gets one
        this.transport.send(this.results({ start: event.at, end: event.at }, undefined, true, false, true))
        return
      case 'utterance-end':
        if (!this.wordsSinceUtteranceEnd) return
        this.wordsSinceUtteranceEnd = false
        this.transport.send(utteranceEndMessage(this.lastWordEnd))
        return
      case 'ended':
        this.end(event)
    }
  }

  private end (ended: LiveEndedEvent): void {
    if (ended.drained) {
      this.transport.send(metadataMessage({
        requestId: this.options.requestId,
        sha256: ended.sha256,
        created: this.created,
        duration: ended.audioSeconds,
        models: ended.models.slice(-1),
        tags: this.options.tags
      }))
    }
    const close = closeFor(ended)
    if (close === undefined) return
    this.code = close.code
    this.transport.close(close.code, close.reason)
  }

  private results (span: { start: number, end: number }, transcript: ChannelTranscript | undefined,
    isFinal: boolean, speechFinal: boolean, fromFinalize: boolean): ResultsMessage {
    return resultsMessage({
      requestId: this.options.requestId,
      model: this.model,
      start: span.start,
      end: span.end,
      transcript,
      diarize: this.options.diarize,
      search: this.options.plan.text.search,
      isFinal,
      speechFinal,
      fromFinalize
    })
  }
}
