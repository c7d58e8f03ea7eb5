/**
 * Server-Sent Events as OpenAI streams transcriptions: `data: <json>` lines, one event each, no `event:` field, no
 * `[DONE]` sentinel (the `transcript.text.done` event is the end). Every event is written to the socket at once,
 * so a client sees each delta as its segment completes; nothing is written after the client has gone.
 */
import type { ServerResponse } from 'node:http'

export class SseWriter {
  private ended = false

  private readonly res: ServerResponse
  constructor (res: ServerResponse) {
    this.res = res
    res.on('close', () => { this.ended = true })
  }

  /** The client hung up, or end() was called. */
  get closed (): boolean {
    return this.ended || this.res.destroyed
  }

  /** Sends the status line and headers now, before the first event, so the client knows the stream is live. */
  open (headers: Record<string, string | number | string[]>): void {
    this.res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      // reverse proxies (nginx) would otherwise hold events back in their buffers
      'x-accel-buffering': 'no'
    })
    this.res.flushHeaders()
  }

  send (event: object): void {
    if (this.closed) return
    this.res.write(`data: ${JSON.stringify(event)}\n\n`)
  }

  end (): void {
    if (this.closed) return
    this.ended = true
    this.res.end()
  }
}
