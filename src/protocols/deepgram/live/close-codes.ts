/**
 * How a Deepgram live session ends, as its client sees the close: Deepgram's close codes and reasons, and the one
 * mapping from the live core's ending (src/live/events.ts EndReason, LiveError) to them.
 */
import type { LiveEndedEvent } from '../../../live/events.ts'

export interface Close { code: number, reason: string }

export const CLOSE = {
  normal: { code: 1000, reason: '' },
  goingAway: { code: 1001, reason: 'server shutting down' },
  badData: { code: 1008, reason: 'DATA-0000' },
  sessionTooLong: { code: 1008, reason: 'LIMIT-0001' },
  bufferFull: { code: 1008, reason: 'LIMIT-0002' },
  idle: { code: 1011, reason: 'NET-0001' },
  internal: { code: 1011, reason: 'NET-0000' }
} as const satisfies Record<string, Close>

const ERROR_CLOSE = { 'bad-input': CLOSE.badData, overloaded: CLOSE.bufferFull, internal: CLOSE.internal } as const

/** The close for an ending; undefined when the client is gone (nothing to close). */
export function closeFor (ended: LiveEndedEvent): Close | undefined {
  switch (ended.reason) {
    case 'gone': return undefined
    case 'client': return CLOSE.normal
    case 'idle': return CLOSE.idle
    case 'limit': return CLOSE.sessionTooLong
    case 'shutdown': return CLOSE.goingAway
    case 'error': return ERROR_CLOSE[ended.error?.kind ?? 'internal']
  }
}

/** Usage counts a session as failed when the server closed it with an error code (1000 and 1001 are not). */
export const closedOnError = (code: number | undefined): boolean =>
  code !== undefined && code !== CLOSE.normal.code && code !== CLOSE.goingAway.code
