// test:serial — 200 concurrent uploads and an RSS bound.
// 200 concurrent uploads against a small queue: every answer is 200 or 503 + Retry-After, memory stays bounded.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { build } from '../helpers/build.ts'

const WAV = readFileSync(new URL('../fixtures/audio/jfk-16k-s16.wav', import.meta.url))

// RSS once the garbage of the last round is collected: what the process keeps, not what its GC has not reached yet
// (200 bodies in flight leave tens of MiB of garbage whose collection time varies from run to run).
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const retainedRss = (): number => { gc(); gc(); return process.memoryUsage().rss }

test('200 concurrent uploads with QUEUE_MAX=2: only 200 and 503 with Retry-After; RSS bounded', { timeout: 120_000 }, async (t) => {
  const app = await build(t, { ENGINE_CONCURRENCY: '1', QUEUE_MAX: '2', RATE_LIMIT_MAX: '100000' })
  const key = await app.createKey()
  await app.app.engine.ready()
  const agent = new Agent({ keepAlive: false, maxSockets: 200 })
  t.after(() => agent.destroy())
  const { port } = new URL(app.url)
  const upload = (): Promise<{ status: number, retryAfter: string | undefined, body: string }> => new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/listen', method: 'POST', agent, headers: { authorization: `Token ${key}`, 'content-type': 'audio/wav', 'content-length': WAV.length } }, (res) => {
      let body = ''
      res.on('data', (d) => { body += String(d) })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body }))
    })
    req.on('error', reject)
    req.end(WAV)
  })
  let rssAfterWarmUp = 0
  for (let round = 0; round < 3; round++) {
    const results = await Promise.all(Array.from({ length: 200 }, upload))
    const statuses = new Map<number, number>()
    for (const r of results) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
    assert.deepEqual([...statuses.keys()].filter((s) => s !== 200 && s !== 503), [], JSON.stringify([...statuses]))
    assert.ok((statuses.get(200) ?? 0) >= 3, `some were served: ${JSON.stringify([...statuses])}`)
    for (const r of results.filter((r) => r.status === 503)) {
      assert.ok(Number(r.retryAfter) >= 1, 'Retry-After on every 503')
      assert.equal((JSON.parse(r.body) as { err_code: string }).err_code, 'SERVER_BUSY')
    }
    if (round === 0) rssAfterWarmUp = retainedRss()
  }
  // After a warm-up round (model, decode worker, buffers), 400 more uploads must not leave the process much bigger.
  const grown = (retainedRss() - rssAfterWarmUp) / 1048576
  assert.ok(grown < 100, `RSS grew ${grown.toFixed(0)} MiB after warm-up`)
  assert.equal((await app.fetch('/health')).status, 200)
})
