// test:serial — bounds how soon a paused session notices a hang-up.
// A live session whose socket is paused for backpressure does not read it, so it never sees the client's EOF or
// reset; it must still notice a client that hung up, and drop the decodes it queued.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import type WebSocket from 'ws'
import { ROOT } from '../helpers/cli.ts'
import { build } from '../helpers/build.ts'
import { eventually, within } from '../helpers/eventually.ts'
import { testAudio } from '../helpers/models.ts'
import { jfkSpeech16k, silence16k } from '../helpers/live-audio.ts'
import { connect, wsUrl } from '../helpers/deepgram-live-client.ts'

const QUERY = '?encoding=linear16&sample_rate=16000'
const SPEECH = Buffer.concat([jfkSpeech16k(), silence16k(0.4)])

test('a paused live session notices its client hang up, socket destroyed or process killed, and drops its queued final', { timeout: 180_000 }, async (t) => {
  // base.en with a full encoder window: a 10 min decode takes tens of seconds, during which the session's finals
  // wait in the queue and (buffer cap 4 s) its socket stays paused. Without the fix only the end of that decode
  // would let the session read on and see the hang-up. 100 ms frames: the few in flight when reading pauses stay
  // well inside twice the cap.
  const app = await build(t, { ENGINE_CONCURRENCY: '1', STREAM_MAX_BUFFER_SECONDS: '4', RATE_LIMIT_MAX: '100000' }, 'base.en')
  const key = await app.createKey()
  const engine = app.app.engine
  await engine.ready()
  const hold = new AbortController()
  const holding = engine.transcribe(testAudio(600), { model: await engine.models.describeModel(), signal: hold.signal, audioCtx: 0 }).catch(() => {})
  // aborted here rather than in t.after: after-hooks run in order, and the app's close would wait for this decode
  try {
    await eventually('the long decode runs', 10_000, () => engine.stats().running === 1)

    /** Opens a session with `open`, waits until it is paused with its final queued, hangs up with `drop`. */
    const hangUp = async (open: () => Promise<void>, drop: () => void): Promise<number> => {
      const connected = once(app.app.websocketServer, 'connection') as Promise<[WebSocket]>
      await open()
      const [server] = await connected
      await eventually('the session pauses with a final queued', 30_000, () => server.isPaused && engine.stats().waiting >= 1)
      const closed = once(server, 'close')
      const droppedAt = performance.now()
      drop()
      await within('the server sees the hang-up', 5000, closed)
      const noticedMs = performance.now() - droppedAt
      // its final left the queue with it, and the long decode still runs: nothing else let the session read on
      assert.equal(engine.stats().waiting, 0)
      assert.equal(engine.stats().running, 1)
      return noticedMs
    }

    await t.test('socket destroyed without a close frame', async () => {
      let client: Awaited<ReturnType<typeof connect>> | undefined
      const ms = await hangUp(async () => {
        client = await connect(app, QUERY, { headers: { authorization: `Token ${key}` } })
        client.ws.on('error', () => {})
        client.sendFast(SPEECH, 3200)
      }, () => client?.ws.terminate())
      t.diagnostic(`destroyed socket noticed after ${Math.round(ms)} ms`)
    })

    await t.test('client process killed', async () => {
      const child = spawn(process.execPath, [join(ROOT, 'test/helpers/deepgram-live-fast-sender-main.ts'), wsUrl(app, QUERY), key],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
      t.after(() => { child.kill('SIGKILL') })
      const ms = await hangUp(async () => {
        const [line] = await once(child.stdout, 'data') as [Buffer]
        assert.equal(String(line).trim(), 'open')
      }, () => child.kill('SIGKILL'))
      t.diagnostic(`killed process noticed after ${Math.round(ms)} ms`)
    })
  } finally {
    hold.abort()
    await holding
  }
})
