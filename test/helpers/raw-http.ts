import { connect, type Socket } from 'node:net'
import { once } from 'node:events'

export interface RawExchange {
  socket: Socket
  /** Everything the server sent until the connection closed (a reset included). */
  closed: Promise<string>
}

/** A plain TCP connection to the test server, for requests no HTTP client will send (slow, stalled, malformed). */
export async function rawConnection (url: string): Promise<RawExchange> {
  const { port } = new URL(url)
  const socket = connect(Number(port), '127.0.0.1')
  socket.on('error', () => {})
  await once(socket, 'connect')
  let received = ''
  socket.on('data', (d) => { received += String(d) })
  // not events.once: it rejects on the 'error' (EPIPE, ECONNRESET) of a connection the server reset
  const closed = new Promise<string>((resolve) => { socket.once('close', () => { resolve(received) }) })
  return { socket, closed }
}

export interface ParsedResponse { status: number, headers: Record<string, string>, body: Record<string, unknown> }

/** The first HTTP response in `text` (Content-Length framed JSON). */
export function parseResponse (text: string): ParsedResponse {
  const end = text.indexOf('\r\n\r\n')
  if (end === -1) throw new Error(`no HTTP response in ${JSON.stringify(text.slice(0, 200))}`)
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n')
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]))
  const length = Number(headers['content-length'])
  const body = JSON.parse(text.slice(end + 4, end + 4 + length)) as Record<string, unknown>
  return { status: Number(statusLine.split(' ')[1]), headers, body }
}

/** Writes `text` one byte at a time, `gapMs` apart, until the socket closes (a slowloris client). */
export async function trickle (socket: Socket, text: string, gapMs: number): Promise<void> {
  for (const ch of text) {
    if (socket.destroyed) return
    socket.write(ch)
    await new Promise((resolve) => setTimeout(resolve, gapMs))
  }
}
