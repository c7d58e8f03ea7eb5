/** A live session's wall clock: its idle timeout and silence fill run on it (tests drive a manual one). */

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
