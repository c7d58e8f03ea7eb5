/**
 * What a live session says about its utterances: SpeechStarted when one opens (vad_events), interim Results
 * (interim_results) about once per second of its audio while speech goes on, only when nothing else of the
 * session is decoding or waiting to be sent, its final Results (is_final, plus speech_final at an endpoint) when
 * it closes, and UtteranceEnd (utterance_end_ms) after that final. Finalize closes the open utterance the same way
 * (from_finalize: true) and answers with an empty final when nothing was open, so a client waiting for the flush
 * always gets its answer.
 *
 * The session owns the input chain and its lifetime; this class turns the segmenter's events into messages, in
 * order through the session's Outbox.
 */
import type { ModelDescription } from '../engine/types.ts'
import type { TranscriptionPlan } from '../transcription/plan.ts'
import { INTERIM_INTERVAL_SECONDS, MIN_INTERIM_SECONDS } from './constants.ts'
import { resultsMessage, speechStartedMessage, utteranceEndMessage, type LiveMessage } from './messages.ts'
import type { Outbox } from './outbox.ts'
import type { Segmenter, SegmenterEvent, Utterance } from './segmenter.ts'
import type { DecodedUtterance, UtteranceDecoder } from './utterance-decoder.ts'

export interface UtteranceResultsOptions {
  requestId: string
  plan: TranscriptionPlan
  interimResults: boolean
  utteranceEndMs?: number | undefined
  vadEvents: boolean
  /** Deepgram diarize: words carry speaker 0 */
  diarize: boolean
}

/** The session as these results see it. */
export interface ResultsSession {
  /** Still taking input (not ending, not closed). */
  open (): boolean
  /** Reading is held on the buffer cap: no interim then, finals come first. */
  paused (): boolean
  /** Sends now (nothing once the session has closed). */
  send (message: LiveMessage): void
  onError (err: unknown): void
  /** A final's decode has settled (its seconds no longer count as waiting). */
  afterFinal (): void
}

export class UtteranceResults {
  private model: ModelDescription
  /** Seconds of closed utterances whose finals are still decoding. */
  private pendingSeconds = 0
  /** The latest final not yet sent: a Finalize arriving meanwhile marks it rather than sending an empty one. */
  private unsentFinal: { fromFinalize: boolean } | undefined
  private interim: { id: number, controller: AbortController } | undefined
  /** Utterance length at the last interim launch, per utterance id. */
  private interimMark = { id: 0, seconds: 0 }
  private lastWordEnd = 0
  private wordsSinceUtteranceEnd = false

  private readonly options: UtteranceResultsOptions
  private readonly segmenter: Segmenter
  private readonly decoder: UtteranceDecoder
  private readonly outbox: Outbox
  private readonly session: ResultsSession
  constructor (
    options: UtteranceResultsOptions,
    segmenter: Segmenter,
    decoder: UtteranceDecoder,
    outbox: Outbox,
    session: ResultsSession
  ) {
    this.options = options
    this.segmenter = segmenter
    this.decoder = decoder
    this.outbox = outbox
    this.session = session
    this.model = options.plan.model
  }

  /** The model of the latest decode (the plan's until then): Metadata names it. */
  get currentModel (): ModelDescription { return this.model }

  /** Seconds of audio closed into utterances whose finals are still being decoded. */
  get pendingFinalSeconds (): number { return this.pendingSeconds }

  onEvent (event: SegmenterEvent): void {
    if (event.type === 'speech-started') {
      if (this.options.vadEvents) this.session.send(speechStartedMessage(event.at))
    } else if (event.type === 'utterance') {
      this.final(event.utterance, event.speechFinal, false)
    } else if (this.options.utteranceEndMs !== undefined) {
      this.outbox.add(Promise.resolve(), () => {
        if (!this.wordsSinceUtteranceEnd) return undefined
        this.wordsSinceUtteranceEnd = false
        return utteranceEndMessage(this.lastWordEnd)
      })
    }
  }

  /** The client's Finalize: the open utterance's final, or the answer to it when there is none. */
  finalize (): void {
    const utterance = this.segmenter.flush()
    if (utterance !== undefined) {
      this.final(utterance, false, true)
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

  /** Decodes a closed utterance and queues its final Results. */
  final (utterance: Utterance, speechFinal: boolean, fromFinalize: boolean): void {
    this.interim?.controller.abort() // an interim of this utterance still waiting in the queue is pointless now
    const seconds = utterance.end - utterance.start
    this.pendingSeconds += seconds
    const decoded = this.decoder.final(utterance).finally(() => {
      this.pendingSeconds -= seconds
      this.session.afterFinal()
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

  /** Launches an interim decode of the open utterance if one is due and nothing else is in the way. */
  scheduleInterim (): void {
    if (!this.options.interimResults || !this.session.open() || this.session.paused()) return
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
      if (d === undefined || !this.session.open() || this.segmenter.openId !== id || this.outbox.pending > 0) return
      this.session.send(this.results(utterance, d, false, false, false))
    }, (err: unknown) => this.session.onError(err)).finally(() => {
      this.interim = undefined
      this.scheduleInterim()
    })
  }

  /** The session closed: an interim still running is of no use. */
  stop (): void {
    this.interim?.controller.abort()
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
      diarize: this.options.diarize,
      search: this.options.plan.text.search,
      isFinal,
      speechFinal,
      fromFinalize
    })
  }
}
