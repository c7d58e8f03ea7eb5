// The unmodified Deepgram JS SDK v4 on live /v1/listen, over both transports it can pick in Node: the `ws` package
// (its choice when there is no global WebSocket, as on Node 20) and the platform's WebSocket (Node 22's default,
// Node 20 with --experimental-websocket), which cannot send headers and authenticates with
// `Sec-WebSocket-Protocol: token, <key>` instead.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { text } from 'node:stream/consumers'
import WS from 'ws'
import type { LiveSchema } from '@deepgram/sdk-v4'
import { ROOT } from '../helpers/cli.ts'
import { aliasServer, assertLiveSession, vocabularyFor, LIVE_PARAMETERS } from '../helpers/deepgram-clients.ts'
import { runV4Live, type V4LiveOptions, type V4LiveRun } from '../helpers/deepgram-v4-live.ts'
import { jfkSpeech16k, silence16k } from '../helpers/live-audio.ts'
import type { Message } from '../helpers/deepgram-live-client.ts'

const audio = Buffer.concat([silence16k(0.5), jfkSpeech16k(), silence16k(2)])
const query = (model: string): LiveSchema => ({ ...LIVE_PARAMETERS, model, ...vocabularyFor(model) })

function assertRun (run: V4LiveRun, ran: string, label: string): void {
  assert.deepEqual(run.errors, [], label)
  assertLiveSession(run.messages as Message[], run.closeCode, ran, label)
}

test('SDK v4 live over the ws package: nova-3 and whisper-base, Configure and KeepAlive tolerated', async (t) => {
  const { app, key } = await aliasServer(t)
  // Node has a global WebSocket, which v4 would prefer: it is handed the `ws` package as its transport
  const client = WS
  for (const [model, ran] of [['nova-3', 'small-test'], ['whisper-base', 'base']] as const) {
    const run = await runV4Live({ url: app.url, key, query: query(model), audio, client })
    assert.equal(run.transport, 'ws', model)
    assert.equal(run.protocol, '', `${model}: the key went in the Authorization header`)
    assertRun(run, ran, model)
  }
  assert.ok(app.logs.some((line) => line.includes('Configure')), 'the Configure message was logged, not refused')
})

test("SDK v4 live over the platform's WebSocket (child process with Node's global WebSocket): nova-2-general", async (t) => {
  const { app, key } = await aliasServer(t)
  const child = spawn(process.execPath, [join(ROOT, 'test/helpers/deepgram-v4-live-main.ts')],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] })
  t.after(() => child.kill())
  const input: Omit<V4LiveOptions, 'audio'> & { audio: string } = { url: app.url, key, query: query('nova-2-general'), audio: audio.toString('base64') }
  child.stdin.end(JSON.stringify(input))
  const [stdout, stderr] = await Promise.all([text(child.stdout), text(child.stderr)])
  assert.notEqual(stdout, '', stderr)
  const run = JSON.parse(stdout) as V4LiveRun
  assert.equal(run.transport, 'platform')
  // a browser-style socket sends no headers: v4 offers the key as a subprotocol, and the server chose `token`
  assert.equal(run.protocol, 'token')
  assertRun(run, 'small-test', 'nova-2-general')
})
