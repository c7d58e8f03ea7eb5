import { test } from 'node:test'
import assert from 'node:assert/strict'
import { build } from '../helpers/build.ts'
import { connect } from '../helpers/deepgram-live-client.ts'

/** See testEngine in test/helpers/live-engine.ts: one whisper thread keeps decodes fast on a busy machine. */
const ONE_THREAD = { WHISPER_THREADS: '1' }

/**
 * The real 10 s idle timeout, so this file takes ~10 s (it runs beside the others). Two sockets open together:
 * one says nothing and is closed 1011 NET-0001; the other sends a KeepAlive every 4 s and outlives it.
 */
test('KeepAlive holds an idle socket open; no traffic for 10 s closes it 1011 NET-0001', async (t) => {
  const app = await build(t, ONE_THREAD)
  const key = await app.createKey()
  const headers = { authorization: `Token ${key}` }
  const [silent, kept] = await Promise.all([connect(app, '', { headers }), connect(app, '', { headers })])
  const keepAlive = setInterval(() => kept.sendJson({ type: 'KeepAlive' }), 4000)
  t.after(() => clearInterval(keepAlive))

  assert.deepEqual(await silent.closed, { code: 1011, reason: 'NET-0001' })
  assert.deepEqual(silent.types(), ['Metadata'])
  assert.equal(kept.ws.readyState, kept.ws.OPEN, 'the socket with KeepAlives is still open')

  clearInterval(keepAlive)
  kept.sendJson({ type: 'CloseStream' })
  assert.deepEqual(await kept.closed, { code: 1000, reason: '' })
  assert.deepEqual(kept.types(), ['Metadata'])
  assert.deepEqual([...silent.problems, ...kept.problems], [])
})
