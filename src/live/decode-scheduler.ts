/**
 * When a live session decodes what, and what it says about it. A closed utterance is decoded at once at high
 * priority and never dropped (retried while the queue is full); its final goes out through the Outbox in utterance
 * order. With interim results the open utterance is re-decoded at low priority about once per second of its audio
 * while speech goes on, only when nothing else of the session is decoding or waiting to be delivered; an interim
 * whose utterance has closed (or behind which a final is queued) by the time it is decoded is dropped. A flush
 * closes the open utterance the same way and is answered even when there is none (flush-empty).
 *
 * The session owns the input chain and its lifetime; this class turns the segmenter's events into decodes and
 * events (LiveEvent).
 */
import type { ModelDescription } from '../engine/types.ts'
import type { FinalReason, LiveEvent, UtteranceTranscript } from './events.ts'
import type { Outbox } from './outbox.ts'
import type { Segmenter, SegmenterEvent, Utterance } from './segmenter.ts'
import { INTERIM_INTERVAL_SECONDS, MIN_INTERIM_SECONDS } from './tuning.ts'
import type { DecodedUtterance, UtteranceDecoder } from './utterance-decoder.ts'

/** The session as the scheduler sees it. */
export interface ScheduledSession {
  /** Still taking input (not ending, not closed). */
  open (): boolean
  /** Reading is held on the buffer cap: no interim then, finals come first. */
  paused (): boolean
  /** Delivers now, outside the outbox (nothing once the session has closed). */
  emit (event: LiveEvent): void
  onError (err: unknown): void
  /** A final's decode has settled (its seconds no longer count as waiting). */
  afterFinal (): void
}

export class DecodeScheduler {
  /** Models of delivered decodes, latest last (the plan's until then). */
  private readonly usedModels: ModelDescription[]
  /** Seconds of closed utterances whose finals are still decoding. */
  private pendingSeconds = 0
  /** The latest final not yet delivered: a flush arriving meanwhile marks it rather than answering flush-empty. */
  private unsentFinal: { answersFlush: boolean } | undefined
  private interim: { id: number, controller: AbortController } | undefined
  /** Utterance length at the last interim launch, per utterance id. */
  private interimMark = { id: 0, seconds: 0 }

  private readonly interimResults: boolean
  private readonly segmenter: Segmenter
  private readonly decoder: UtteranceDecoder
  private readonly outbox: Outbox<LiveEvent>
  private readonly session: ScheduledSession
  constructor (
    options: { interimResults: boolean, model: ModelDescription },
    segmenter: Segmenter,
    decoder: UtteranceDecoder,
    outbox: Outbox<LiveEvent>,
    session: ScheduledSession
  ) {
    this.interimResults = options.interimResults
    this.usedModels = [options.model]
    this.segmenter = segmenter
    this.decoder = decoder
    this.outbox = outbox
    this.session = session
  }

  /** The models decodes ran on, latest last; the plan's when nothing was decoded. */
  get models (): ModelDescription[] { return [...this.usedModels] }

  /** Seconds of audio closed into utterances whose finals are still being decoded. */
  get pendingFinalSeconds (): number { return this.pendingSeconds }

  onEvent (event: SegmenterEvent): void {
    if (event.type === 'speech-started') {
      this.session.emit({ type: 'speech-started', utterance: this.segmenter.openId as number, at: event.at })
    } else if (event.type === 'utterance') {
      this.final(event.utterance, event.reason, false)
    } else {
      const at = event.at
      this.outbox.add(Promise.resolve(), () => ({ type: 'utterance-end', at }))
    }
  }

  /** The client's flush: the open utterance's final, or the answer to it when there is none. */
  flush (): void {
    const utterance = this.segmenter.flush()
    if (utterance !== undefined) {
      this.final(utterance, 'flush', true)
      return
    }
    if (this.unsentFinal !== undefined) {
      // The endpoint closed the utterance a moment ago and its final is still being decoded: that final is the
      // answer to this flush.
      this.unsentFinal.answersFlush = true
      return
    }
    const at = this.segmenter.now
    this.outbox.add(Promise.resolve(), () => ({ type: 'flush-empty', at }))
  }

  /** Decodes a closed utterance and queues its final. */
  final (utterance: Utterance, reason: FinalReason, answersFlush: boolean): void {
    this.interim?.controller.abort() // an interim of this utterance still waiting in the queue is pointless now
    const seconds = utterance.end - utterance.start
    this.pendingSeconds += seconds
    const decoded = this.decoder.final(utterance).finally(() => {
      this.pendingSeconds -= seconds
      this.session.afterFinal()
    })
    const pending = { answersFlush }
    this.unsentFinal = pending
    this.outbox.add(decoded, (d) => {
      if (this.unsentFinal === pending) this.unsentFinal = undefined
      return { type: 'final', reason, answersFlush: pending.answersFlush, ...this.transcript(utterance, d) }
    })
  }

  /** Launches an interim decode of the open utterance if one is due and nothing else is in the way. */
  scheduleInterim (): void {
    if (!this.interimResults || !this.session.open() || this.session.paused()) return
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
      this.session.emit({ type: 'interim', ...this.transcript(utterance, d) })
    }, (err: unknown) => this.session.onError(err)).finally(() => {
      this.interim = undefined
      this.scheduleInterim()
    })
  }

  /** The session closed: an interim still running is of no use. */
  stop (): void {
    this.interim?.controller.abort()
  }

  /** Called as the transcript is delivered, so `models` follows delivery order. */
  private transcript (utterance: Utterance, decoded: DecodedUtterance): UtteranceTranscript {
    const at = this.usedModels.findIndex((m) => m.uuid === decoded.model.uuid)
    if (at !== -1) this.usedModels.splice(at, 1)
    this.usedModels.push(decoded.model)
    return { utterance: utterance.id, start: utterance.start, end: utterance.end, transcript: decoded.transcript, model: decoded.model }
  }
}
