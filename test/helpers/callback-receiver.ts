// A local HTTP server standing in for a client's callback URL: records every request and lets a test wait for
// the next one (no sleeps). `failFirst(n)` answers the first n requests 500, for delivery retries.
import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'

export interface Received {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: Record<string, unknown>
  /** What the receiver answered. */
  status: number
  /** performance.now() when the request was complete */
  at: number
}

export interface CallbackReceiver {
  /** http://127.0.0.1:<port>/hook */
  url: string
  received: Received[]
  /** Resolves once `count` requests in all have arrived. */
  waitFor (count: number): Promise<Received[]>
  failFirst (n: number): void
  /** Extra paths served (GET): audio for URL input. */
  serve (path: string, bytes: Buffer, type: string): void
  close (): Promise<void>
}

export async function startReceiver (t?: TestContext): Promise<CallbackReceiver> {
  const received: Received[] = []
  const waiters: Array<{ count: number, resolve: (r: Received[]) => void }> = []
  const files = new Map<string, { bytes: Buffer, type: string }>()
  let failures = 0
  const server = createServer((req, res) => {
    const file = req.method === 'GET' ? files.get(req.url ?? '') : undefined
    if (file !== undefined) {
      res.writeHead(200, { 'content-type': file.type, 'content-length': file.bytes.length }).end(file.bytes)
      return
    }
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const status = failures > 0 ? 500 : 200
      if (failures > 0) failures--
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>, status, at: performance.now() })
      res.writeHead(status).end()
      for (const w of waiters.filter((w) => received.length >= w.count)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(received.slice())
      }
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  const receiver: CallbackReceiver = {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    waitFor: (count) => received.length >= count
      ? Promise.resolve(received.slice())
      : new Promise((resolve) => waiters.push({ count, resolve })),
    failFirst (n) { failures = n },
    serve (path, bytes, type) { files.set(path, { bytes, type }) },
    async close () {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  }
  t?.after(() => receiver.close())
  return receiver
}
