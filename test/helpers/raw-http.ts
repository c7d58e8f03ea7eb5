import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import type { TestContext } from 'node:test'

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

/**
 * A POST of `body` to /v1/listen that keeps arriving: its first KB at once, then `whenReady` is awaited (e.g. the
 * server's "incoming request" log line), then 64 bytes every 50 ms (well inside the 2 s pause a shutdown allows)
 * until finish() sends the rest. `sent()` is how much went so far.
 */
export async function arrivingUpload (t: TestContext, url: string, key: string, body: Buffer, whenReady: () => Promise<unknown>):
Promise<{ exchange: RawExchange, sent: () => number, finish: () => void }> {
  const exchange = await rawConnection(url)
  exchange.socket.write(`POST /v1/listen HTTP/1.1\r\nHost: x\r\nAuthorization: Token ${key}\r\nContent-Type: audio/wav\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`)
  let sent = 0
  const send = (n: number): void => { exchange.socket.write(body.subarray(sent, sent + n)); sent += n }
  send(1024)
  await whenReady()
  const timer = setInterval(() => { send(64) }, 50)
  t.after(() => clearInterval(timer))
  return {
    exchange,
    sent: () => sent,
    finish: () => {
      clearInterval(timer)
      exchange.socket.write(body.subarray(sent))
    }
  }
}
