/**
 * Cuts a live stream into utterances from per-frame voice activity. Pure and synchronous: audio and VAD
 * decisions in, events out, all times in audio seconds from the start of the stream.
 *
 * - Idle: only the last PREROLL_SECONDS are kept. ONSET_FRAMES speech frames within ONSET_WINDOW open an
 *   utterance that starts PREROLL_SECONDS before the first of them (never before the previous utterance's end,
 *   so no audio is decoded twice): `speech-started`.
 * - Open: every sample is kept. A pause of `endpointingMs` (at least MIN_ENDPOINT_MS) closes it: reason
 *   'endpoint'; without endpointing a longer pause closes it: 'pause'. Past SOFT_MAX_UTTERANCE_SECONDS any pause
 *   closes it ('pause'), at HARD_MAX_UTTERANCE_SECONDS it is cut mid-speech ('max-length'): `utterance`.
 * - A pause of `utteranceEndMs` after speech: `utterance-end` (closing a still open utterance first, so the
 *   utterance-end always follows the final it ends).
 * Silence never opens an utterance, so it is never decoded.
 */
import { SAMPLE_RATE } from '../audio/pcm.ts'
import {
  HARD_MAX_UTTERANCE_SECONDS, MIN_ENDPOINT_MS, ONSET_FRAMES, ONSET_WINDOW, PREROLL_SECONDS,
  SOFT_MAX_UTTERANCE_SECONDS, UNENDPOINTED_PAUSE_MS, VAD_FRAME_SAMPLES
} from './tuning.ts'

export interface Utterance {
  /** Increasing per stream; interim results check it to know their utterance is still the open one. */
  id: number
  /** Seconds from the start of the stream. */
  start: number
  end: number
  audio: Float32Array
}

/**
 * Why the segmenter closed an utterance: a pause of the endpointing length ('endpoint'), a pause that is not one
 * (endpointing off, past the soft maximum length, or the utterance-end pause came first), or the hard maximum
 * length mid-speech.
 */
export type PauseReason = 'endpoint' | 'pause' | 'max-length'

export type SegmenterEvent =
  | { type: 'speech-started', at: number }
  | { type: 'utterance', utterance: Utterance, reason: PauseReason }
  | { type: 'utterance-end', at: number }

export interface SegmenterOptions {
  /** The pause in ms that ends an utterance at an endpoint, or false for none (then only longer pauses close it). */
  endpointingMs: number | false
  /** The pause in ms after speech that yields an utterance-end event; undefined = none. */
  utteranceEndMs?: number | undefined
}

const seconds = (samples: number): number => samples / SAMPLE_RATE

/** Append-only sample store that can drop its head: the open utterance (or the pre-roll) of one stream. */
class SampleBuffer {
  private chunks: Float32Array[] = []
  /** Absolute sample index of chunks[0][0]. */
  private first = 0
  private length = 0

  get end (): number { return this.first + this.length }

  append (samples: Float32Array): void {
    if (samples.length === 0) return
    this.chunks.push(samples)
    this.length += samples.length
  }

  /** Drops samples before absolute index `from` (whole chunks, then a copy of the partial one). */
  trimBefore (from: number): void {
    while (this.chunks.length > 0 && this.first + (this.chunks[0] as Float32Array).length <= from) {
      const c = this.chunks.shift() as Float32Array
      this.first += c.length
      this.length -= c.length
    }
    const head = this.chunks[0]
    if (head !== undefined && from > this.first) {
      this.chunks[0] = head.slice(from - this.first)
      this.length -= from - this.first
      this.first = from
    }
  }

  /** A copy of absolute samples [from, to). */
  slice (from: number, to: number): Float32Array {
    const start = Math.max(from, this.first)
    const out = new Float32Array(Math.max(0, to - start))
    let at = this.first
    for (const c of this.chunks) {
      const lo = Math.max(start, at)
      const hi = Math.min(to, at + c.length)
      if (hi > lo) out.set(c.subarray(lo - at, hi - at), lo - start)
      at += c.length
      if (at >= to) break
    }
    return out
  }
}

export class Segmenter {
  private readonly buffer = new SampleBuffer()
  private frames = 0
  private readonly recent: boolean[] = []
  private nextId = 1
  /** The open utterance: its id and first sample. */
  private open: { id: number, start: number } | undefined
  /** End sample of the last speech frame; -1 before any speech. */
  private lastSpeechEnd = -1
  /** Where the last utterance ended: the next one's pre-roll stops there. */
  private closedAt = 0
  private speechSinceUtteranceEnd = false
  private readonly endpointing: boolean
  private readonly endpointSamples: number
  private readonly utteranceEndSamples: number | undefined

  constructor (options: SegmenterOptions) {
    const ms = options.endpointingMs === false ? UNENDPOINTED_PAUSE_MS : Math.max(options.endpointingMs, MIN_ENDPOINT_MS)
    this.endpointSamples = Math.round(ms * SAMPLE_RATE / 1000)
    this.endpointing = options.endpointingMs !== false
    this.utteranceEndSamples = options.utteranceEndMs === undefined ? undefined : Math.round(options.utteranceEndMs * SAMPLE_RATE / 1000)
  }

  /** Seconds of audio received so far. */
  get now (): number { return seconds(this.buffer.end) }

  /** Seconds of audio in the open utterance (0 when idle): what a flush would hand the decoder. */
  get openSeconds (): number { return this.open === undefined ? 0 : seconds(this.buffer.end - this.open.start) }

  /** The open utterance's id, undefined when idle. */
  get openId (): number | undefined { return this.open?.id }

  /** True while the last VAD frame was speech inside an open utterance. */
  get inSpeech (): boolean { return this.open !== undefined && this.lastSpeechEnd === this.frames * VAD_FRAME_SAMPLES }

  /** Speech came since the last utterance-end event and utterance_end_ms is set: one is still due. */
  get awaitingUtteranceEnd (): boolean { return this.utteranceEndSamples !== undefined && this.speechSinceUtteranceEnd }

  /** The open utterance so far (a copy), for interim results. */
  current (): Utterance | undefined {
    if (this.open === undefined) return undefined
    const end = this.buffer.end
    return { id: this.open.id, start: seconds(this.open.start), end: seconds(end), audio: this.buffer.slice(this.open.start, end) }
  }

  /** Audio, before its VAD frames are reported through `frame`. */
  append (samples: Float32Array): void {
    this.buffer.append(samples)
    if (this.open === undefined) this.trimIdle()
  }

  /** The decision for the next VAD frame (frames cover the appended audio in order). */
  frame (speech: boolean): SegmenterEvent[] {
    const events: SegmenterEvent[] = []
    const frameEnd = ++this.frames * VAD_FRAME_SAMPLES
    this.recent.push(speech)
    if (this.recent.length > ONSET_WINDOW) this.recent.shift()
    if (speech) {
      this.lastSpeechEnd = frameEnd
      this.speechSinceUtteranceEnd = true
    }

    if (this.open === undefined) {
      if (this.recent.filter(Boolean).length >= ONSET_FRAMES) {
        const firstSpeech = frameEnd - (this.recent.length - this.recent.indexOf(true)) * VAD_FRAME_SAMPLES
        const start = Math.max(this.closedAt, firstSpeech - Math.round(PREROLL_SECONDS * SAMPLE_RATE), 0)
        this.open = { id: this.nextId++, start }
        events.push({ type: 'speech-started', at: seconds(firstSpeech) })
      }
    } else {
      const pause = frameEnd - this.lastSpeechEnd
      const length = frameEnd - this.open.start
      if (!speech && pause >= this.endpointSamples) {
        events.push(this.close(frameEnd, this.endpointing ? 'endpoint' : 'pause'))
      } else if (!speech && length >= SOFT_MAX_UTTERANCE_SECONDS * SAMPLE_RATE) {
        events.push(this.close(frameEnd, 'pause'))
      } else if (length >= HARD_MAX_UTTERANCE_SECONDS * SAMPLE_RATE) {
        events.push(this.close(frameEnd, 'max-length'))
      }
    }

    if (this.utteranceEndSamples !== undefined && this.speechSinceUtteranceEnd && !speech &&
        frameEnd - this.lastSpeechEnd >= this.utteranceEndSamples) {
      if (this.open !== undefined) events.push(this.close(frameEnd, 'pause'))
      this.speechSinceUtteranceEnd = false
      events.push({ type: 'utterance-end', at: seconds(frameEnd) })
    }
    return events
  }

  /** Closes the open utterance at the last received sample (a flush, the end of the stream, the buffer cap); undefined when idle. */
  flush (): Utterance | undefined {
    if (this.open === undefined) return undefined
    return this.cut(this.buffer.end)
  }

  private close (at: number, reason: PauseReason): SegmenterEvent {
    return { type: 'utterance', utterance: this.cut(at), reason }
  }

  private cut (at: number): Utterance {
    const open = this.open as { id: number, start: number }
    const utterance: Utterance = { id: open.id, start: seconds(open.start), end: seconds(at), audio: this.buffer.slice(open.start, at) }
    this.open = undefined
    this.closedAt = at
    this.recent.length = 0
    this.trimIdle()
    return utterance
  }

  /**
   * Keeps what an onset could still reach back to: the pre-roll before the onset window's first frame. Measured
   * from the VAD's position, not the buffer's end, since a large piece of audio is appended before its frames.
   */
  private trimIdle (): void {
    const classified = this.frames * VAD_FRAME_SAMPLES
    const reach = Math.round(PREROLL_SECONDS * SAMPLE_RATE) + ONSET_WINDOW * VAD_FRAME_SAMPLES
    this.buffer.trimBefore(Math.max(this.closedAt, classified - reach))
  }
}
