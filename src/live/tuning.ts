/**
 * Every number the live core runs on, in one place.
 *
 * LiveLimits are the operator-facing settings (STREAM_* in src/config.ts); the rest are tuning values of the
 * endpointer, the scheduler and flow control, fixed because each one trades accuracy against latency (or memory
 * against throughput) in a way a deployment has no better information about than we do. How a protocol tells its
 * client about an ending (its close codes) is the protocol's business: the core only names the reason.
 */

export interface LiveLimits {
  /**
   * Seconds of audio one session may carry. Past it the session stops taking audio, delivers its finals and ends
   * with reason 'limit' (a reconnecting client simply continues in a new session).
   */
  maxSeconds: number
  /**
   * Seconds of audio a session may hold undecoded (the open utterance plus finals waiting for the engine). At the
   * cap the open utterance is finalized and the transport stops being read until the backlog halves (TCP
   * backpressure: a client sending faster than the engine decodes is slowed down, never cut off). Twice the cap
   * (a burst that was already in flight) ends the session: reason 'error', kind 'overloaded'.
   */
  maxBufferSeconds: number
  /** Seconds with neither audio nor any other client message before the session ends with reason 'idle'. */
  idleTimeoutSeconds: number
}

export const DEFAULT_LIVE_LIMITS: Readonly<LiveLimits> = {
  maxSeconds: 3600,
  maxBufferSeconds: 60,
  idleTimeoutSeconds: 10
}

/**
 * Binary frames, and their bytes, a session may hold before they are through its input chain (decoding, Silero):
 * past either the socket stops being read until both are down by half. The count keeps the audio in flight to a
 * few seconds for the usual frame sizes (the buffer cap sees it only once decoded); the bytes bound memory when
 * frames are large. Each frame also counts FRAME_OVERHEAD_BYTES (its buffer object and queued step, measured
 * ~290 B), so a flood of tiny frames is held to the same memory.
 */
export const MAX_UNPROCESSED_FRAMES = 8
export const MAX_UNPROCESSED_BYTES = 512 * 1024
export const FRAME_OVERHEAD_BYTES = 256
/**
 * More than this held ends the session ('overloaded'). Reading pauses at 512 KiB or 8 frames, plus the frame that crossed
 * the line (at most MAX_FRAME_BYTES); after that only the rest of the socket read ws is parsing arrives (64 KiB,
 * ~2.3 MiB counted if it is all 1-byte frames). So a client that TCP backpressure holds back stays below it; only
 * a transport that ignores pause() gets here.
 */
export const MAX_HELD_BYTES = 4 * 1024 * 1024
/**
 * A paused socket is not read, so a client that hung up goes unseen until reading resumes; pinging it this often
 * while paused makes the second write after the hang-up fail (./websocket-transport.ts).
 */
export const PAUSED_PING_MS = 250

/** Largest WebSocket message accepted (ws closes 1009 above it): ~33 s of 16 kHz linear16 per frame is plenty. */
export const MAX_FRAME_BYTES = 1024 * 1024

/**
 * The endpointer's frame: 20 ms, short enough to find a pause's start within a frame. Silero scores 32 ms windows;
 * each 20 ms frame takes the decision of the window holding its middle (src/transcription/vad/stream.ts).
 */
export const VAD_FRAME_SAMPLES = 320
/** Speech starts when this many of the last ONSET_WINDOW frames are speech (filters clicks and breaths). */
export const ONSET_FRAMES = 4
export const ONSET_WINDOW = 5

/** Audio kept before the detected onset: the VAD confirms speech ~80 ms late and soft onsets start earlier. */
export const PREROLL_SECONDS = 0.3
/**
 * The shortest pause that ends an utterance, however short a pause the protocol asks for (some default to 10 ms): stop
 * closures and the VAD's own dips last up to ~150 ms inside words, and cutting there would hand whisper halves
 * of words.
 */
export const MIN_ENDPOINT_MS = 200
/** Without endpointing a pause this long still closes the utterance (reason 'pause', not 'endpoint'). */
export const UNENDPOINTED_PAUSE_MS = 1000
/** Past this length an utterance ends at its next pause of any length (whisper's window is 30 s). */
export const SOFT_MAX_UTTERANCE_SECONDS = 15
/** And here it is cut outright: the decode still fits whisper's 30 s window with room for the pre-roll. */
export const HARD_MAX_UTTERANCE_SECONDS = 28

/** Interim results re-decode the open utterance once per this much new audio (when nothing else is decoding). */
export const INTERIM_INTERVAL_SECONDS = 1
/** No interim for an utterance shorter than this: a few syllables decode to noise. */
export const MIN_INTERIM_SECONDS = 0.8

/**
 * No audio for this long (or three times the client's usual gap between frames, if longer) and the wall-clock time
 * since the last frame counts as silence, so the endpointer still ends the utterance of a client that stopped
 * sending (voice agents send only keep-alives after a second of silence). Then it advances every TICK.
 */
export const SILENCE_FILL_AFTER_MS = 500
export const SILENCE_FILL_TICK_MS = 100
/** Gaps between frames longer than this are pauses in sending, not the client's frame cadence. */
export const MAX_FRAME_GAP_MS = 2000

/** A final refused with SERVER_BUSY is retried (finals are never dropped), backing off up to this delay. */
export const FINAL_RETRY_MAX_DELAY_MS = 1000
/** On server shutdown, sessions get this long to deliver their finals (and end in order) before they are cut. */
export const SHUTDOWN_FLUSH_MS = 5000
