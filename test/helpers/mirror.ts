import { createReadStream, statSync } from 'node:fs'
import { createServer } from 'node:http'
import { once } from 'node:events'
import type { TestContext } from 'node:test'

/** A local stand-in for MODEL_BASE_URL: serves one file at `urlPath`, 404 elsewhere; records every request path. */
export async function serveModelFile (t: TestContext, file: string, urlPath: string): Promise<{ url: string, requests: string[] }> {
  const requests: string[] = []
  const server = createServer((req, res) => {
    requests.push(req.url ?? '')
    if (req.url !== urlPath) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-length': statSync(file).size })
    createReadStream(file).pipe(res)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => server.close())
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, requests }
}
