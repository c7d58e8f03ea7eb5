/**
 * A live session's transport over a `ws` WebSocket, for every live protocol that speaks JSON text frames over one
 * (Deepgram's /v1/listen today; Flux and OpenAI Realtime next): messages out, the close, and the flow control the
 * core asks for (LiveProtocol.pause/resume).
 *
 * pause() stops reading the TCP socket (that is what slows a fast client down), and a socket that is not read
 * never sees the EOF or reset of a client that hung up: its session would go on decoding its backlog for nobody,
 * holding engine queue places for minutes. So a paused socket is pinged: a write to a peer that is gone makes its
 * host answer with a reset, and the next write fails and closes the socket (measured: the hang-up is seen within
 * one to two intervals, for a destroyed socket and for a killed client process alike); the socket's 'close' is
 * where the route tells the session its client is gone. Reading on and holding frames back from the session
 * instead would see it at once, but buffers whatever a fast client sends, or cuts a live one.
 */
import type { RawData, WebSocket } from 'ws'
import { PAUSED_PING_MS } from './tuning.ts'

export interface WebSocketTransport {
  /** One JSON text frame (nothing once the socket is no longer open). */
  send (message: object): void
  close (code: number, reason: string): void
  pause (): void
  resume (): void
}

export function websocketTransport (socket: WebSocket): WebSocketTransport {
  let heartbeat: NodeJS.Timeout | undefined
  const stopHeartbeat = (): void => {
    clearInterval(heartbeat)
    heartbeat = undefined
  }
  socket.once('close', stopHeartbeat)
  return {
    send: (message) => { if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message)) },
    close: (code, reason) => {
      stopHeartbeat()
      if (socket.readyState === socket.OPEN) socket.close(code, reason)
      socket.resume() // a paused socket would not read the client's closing handshake (nor see it hang up)
    },
    pause: () => {
      socket.pause()
      heartbeat ??= setInterval(() => { if (socket.readyState === socket.OPEN) socket.ping() }, PAUSED_PING_MS).unref()
    },
    resume: () => {
      stopHeartbeat()
      socket.resume()
    }
  }
}

/** A message's bytes, however ws delivered them (a Buffer, fragments, an ArrayBuffer). */
export function messageBytes (data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data)
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data
}
