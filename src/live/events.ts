/**
 * The live core's interface, for every live protocol: the events a session delivers (LiveEvent) and the commands
 * it takes (LiveCommands, which LiveSession implements). A protocol adapter (src/protocols/<name>/) turns its
 * client's frames into commands and the events into its own messages and close codes; nothing here knows any
 * protocol. docs/architecture.md, "The live core", states the ordering and flow-control contract in full.
 *
 * Times are seconds of audio from the start of the stream (not wall-clock time): the first sample received is 0,
 * and silence the core adds for a client that stopped sending (see silence-fill.ts) counts like received audio.
 */
import type { ModelDescription } from '../engine/types.ts'
import type { ChannelTranscript } from '../transcription/transcribe.ts'

/** Why an utterance closed, as its final says. */
export type FinalReason =
  /** A pause of the endpointing length after speech: the speaker is done (an end of turn). */
  | 'endpoint'
  /** A pause that is not an endpoint: endpointing off, past the soft maximum length, or the utterance-end pause came first. */
  | 'pause'
  /** Cut mid-speech at the hard maximum length (whisper's 30 s window). */
  | 'max-length'
  /** Cut where it was because too much audio waited to be decoded (flow control, see LiveLimits.maxBufferSeconds). */
  | 'buffer-full'
  /** The client asked (LiveCommands.flush). */
  | 'flush'
  /** The session is ending (end of stream, idle timeout, limit, shutdown): the last utterance. */
  | 'end-of-stream'

/** A transcript of (part of) one utterance. */
export interface UtteranceTranscript {
  /** The utterance, increasing from 1 per session: speech-started, interims and the final of one utterance share it. */
  utterance: number
  /** Its span in stream seconds (the audio decoded: pre-roll included). */
  start: number
  end: number
  /** Words, transcript and search hits after the plan's text formatting; word times in stream seconds. */
  transcript: ChannelTranscript
  /** The model that decoded it. */
  model: ModelDescription
}

/** Why a session ended. */
export type EndReason =
  /** The client ended the stream (LiveCommands.endOfStream). */
  | 'client'
  /** The client went away (LiveCommands.clientGone): nothing can be delivered, nothing is. */
  | 'gone'
  /** No audio and no other client message for LiveLimits.idleTimeoutSeconds. */
  | 'idle'
  /** The stream reached LiveLimits.maxSeconds of audio; audio past it was not taken. */
  | 'limit'
  /** The server is shutting down (LiveCommands.shutdown). */
  | 'shutdown'
  /** See LiveError. */
  | 'error'

export interface LiveError {
  /**
   * 'bad-input': audio that cannot be decoded, a request the pipeline refuses, or input the protocol rejected
   * (LiveCommands.reject). 'overloaded': the client kept sending though reading was paused (more than
   * MAX_HELD_BYTES of unprocessed audio, or twice maxBufferSeconds waiting to be decoded). 'internal': a fault of
   * ours (logged; the message is not for the client).
   */
  kind: 'bad-input' | 'overloaded' | 'internal'
  message: string
}

export type LiveEvent =
  /** Speech began at `at` (its first speech frame; the utterance's audio starts up to PREROLL_SECONDS earlier). */
  | { type: 'speech-started', utterance: number, at: number }
  /**
   * The open utterance so far (only with interimResults): low priority, dropped under load, never delivered once
   * its utterance has closed or while a final is on its way.
   */
  | ({ type: 'interim' } & UtteranceTranscript)
  /**
   * A closed utterance, decoded: every utterance that opened gets exactly one (unless the session is cut).
   * `answersFlush`: a flush came while this utterance was open, or while its final was on its way.
   */
  | ({ type: 'final', reason: FinalReason, answersFlush: boolean } & UtteranceTranscript)
  /** A flush found nothing to close (no utterance open, no final on its way): its answer, at stream time `at`. */
  | { type: 'flush-empty', at: number }
  /** A pause of utteranceEndMs after speech ended at `at` (only with utteranceEndMs); after the final it ends. */
  | { type: 'utterance-end', at: number }
  /**
   * The session is over: the last event. `drained`: every final was delivered before it (an orderly ending within
   * its grace); false when the session was cut (an error, the client gone, a shutdown past its grace).
   */
  | {
    type: 'ended'
    reason: EndReason
    error?: LiveError | undefined
    drained: boolean
    /** Audio taken, in seconds (received and decoded, plus silence filled in). */
    audioSeconds: number
    /** SHA-256 (hex) of the bytes received and processed. */
    sha256: string
    /** The models decodes ran on, latest last; the plan's model when nothing was decoded. */
    models: ModelDescription[]
  }

export type LiveEndedEvent = Extract<LiveEvent, { type: 'ended' }>

/** What a protocol tells a session. After the session has ended (or while it is ending) input is ignored. */
export interface LiveCommands {
  /** Audio bytes in the session's format (any size, any split; an empty piece only counts as activity). */
  audio (bytes: Uint8Array): void
  /** Close the open utterance now and deliver its final (reason 'flush'); answered even when nothing is open. */
  flush (): void
  /** No more audio: deliver the open utterance's final and the rest, then end ('client'). */
  endOfStream (): void
  /** The client is there though it sends no audio: resets the idle timeout and lets the silence fill catch up. */
  keepAlive (): void
  /** The protocol refuses the client's input: end at once ('error', 'bad-input'), delivering nothing more. */
  reject (message: string): void
  /** The transport is gone: cancel every decode and VAD request of the session, deliver nothing more. */
  clientGone (): void
  /** Server shutdown: deliver what is buffered within `graceMs`, then end ('shutdown') regardless. */
  shutdown (graceMs?: number): Promise<void>
}

/** The protocol side of a session: hears its events and holds or resumes reading its client (flow control). */
export interface LiveProtocol {
  /** Every event, in the order docs/architecture.md states; nothing after 'ended'. */
  event (event: LiveEvent): void
  /**
   * Stop reading the client until resume(): the session holds as much unprocessed audio as it may. A client that
   * goes away meanwhile must still be noticed (then LiveCommands.clientGone), or its session lives on until its
   * backlog has been decoded for nobody.
   */
  pause (): void
  resume (): void
}
