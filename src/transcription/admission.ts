/**
 * The one admission call: can a request's transcription run now? Every protocol asks it, REST and live alike
 * (live before the WebSocket upgrade), after authentication and before any expensive work, so a request that would
 * be refused reads no body, fetches no URL and decodes nothing: ENGINE_OFF (503) on an API-only replica,
 * SERVER_BUSY (503, Retry-After) when the engine's queue is full. REST asks again before fetching or decoding (a
 * slow upload may end on a queue that filled meanwhile). Only a hint: the queue can fill after it, and its own
 * refusal stays the final word. Not for callback jobs, which wait in the job queue instead.
 */
import type { Transcriber } from '../engine/types.ts'

export function admit (engine: Pick<Transcriber, 'admission'>): void {
  const refusal = engine.admission('normal')
  if (refusal !== undefined) throw refusal
}
