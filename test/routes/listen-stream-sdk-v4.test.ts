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
import { build, tempDir } from '../helpers/build.ts'
import { ROOT } from '../helpers/cli.ts'
import { runV4Live, type V4LiveOptions, type V4LiveRun } from '../helpers/deepgram-v4-live.ts'
import { installTestModel, TEST_PHRASE } from '../helpers/models.ts'
import { jfkSpeech16k, silence16k } from '../streaming/helpers.ts'
import { schemaViolation, type Message } from '../streaming/ws-client.ts'

const audio = Buffer.concat([silence16k(0.5), jfkSpeech16k(), silence16k(2)])

/** A Deepgram model name and the parameters a v4 integration passes on a live socket. */
const wide = (model: string): LiveSchema => ({
  model,
  language: 'en',
  encoding: 'linear16',
  sample_rate: 16000,
  channels: 1,
  interim_results: true,
  vad_events: true,
  utterance_end_ms: 1000,
  endpointing: 300,
  smart_format: true,
  punctuate: true,
  diarize: true,
  numerals: true,
  profanity_filter: true,
  redact: ['pci', 'ssn'],
  search: ['hello'],
  replace: ['world:earth'],
  keywords: ['whisper:2'],
  ...(model.startsWith('nova-3') ? { keyterm: ['Americans'] } : {}),
  filler_words: true,
  tag: ['sdk-v4']
})

/** A server whose MODELS_DIR holds the synthetic model as DEFAULT_MODEL `small-test` and as whisper `base`. */
async function server (t: Parameters<typeof build>[0]) {
  const models = join(tempDir(t), 'models')
  installTestModel(models, 'small-test')
  installTestModel(models, 'small-test', 'base')
  const app = await build(t, { MODELS_DIR: models })
  return { app, key: await app.createKey() }
}

/** The session as Deepgram documents it, run by the model `ran`, with the parameters applied. */
function assertSession (run: V4LiveRun, ran: string, label: string): void {
  assert.deepEqual(run.errors, [], label)
  assert.equal(run.closeCode, 1000, label)
  const messages = run.messages as Message[]
  assert.deepEqual(messages.map(schemaViolation).filter((v) => v !== undefined), [], label)
  const finals = messages.filter((m) => m.type === 'Results' && m.is_final === true)
  assert.equal(finals.length, 1, `${label}: ${messages.map((m) => m.type).join()}`)
  const final = finals[0] as Message
  assert.equal(final.speech_final, true, label)
  assert.equal(final.metadata?.model_info.name, ran, label)
  const alternative = (final.channel as { alternatives: Array<{ transcript: string, words: Array<{ speaker?: number }> }> }).alternatives[0]
  assert.equal(alternative?.transcript, TEST_PHRASE.replace('world', 'earth'), label)
  assert.ok(alternative?.words.every((w) => w.speaker === 0), `${label}: diarize`)
  assert.ok(messages.some((m) => m.type === 'SpeechStarted'), label)
  assert.ok(messages.some((m) => m.type === 'UtteranceEnd'), label)
  const metadata = messages.at(-1) as Message & { model_info: Record<string, { name: string }>, tags?: string[] }
  assert.equal(metadata.type, 'Metadata', label)
  assert.deepEqual(Object.values(metadata.model_info).map((m) => m.name), [ran], label)
  assert.deepEqual(metadata.tags, ['sdk-v4'], label)
}

test('SDK v4 live over the ws package: nova-3 and whisper-base, Configure and KeepAlive tolerated', async (t) => {
  const { app, key } = await server(t)
  // Node 20 has no global WebSocket, so v4 imports `ws` itself; where there is one, v4 takes `ws` as its transport
  const client = typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'undefined' ? undefined : WS
  for (const [model, ran] of [['nova-3', 'small-test'], ['whisper-base', 'base']] as const) {
    const run = await runV4Live({ url: app.url, key, query: wide(model), audio, client })
    assert.equal(run.transport, 'ws', model)
    assert.equal(run.protocol, '', `${model}: the key went in the Authorization header`)
    assertSession(run, ran, model)
  }
  assert.ok(app.logs.some((line) => line.includes('Configure')), 'the Configure message was logged, not refused')
})

test("SDK v4 live over the platform's WebSocket (child process with Node's global WebSocket): nova-2-general", async (t) => {
  const { app, key } = await server(t)
  const flags = typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'undefined' ? ['--experimental-websocket', '--no-warnings'] : []
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', join(ROOT, 'test/helpers/deepgram-v4-live-main.ts')],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] })
  t.after(() => child.kill())
  const input: Omit<V4LiveOptions, 'audio'> & { audio: string } = { url: app.url, key, query: wide('nova-2-general'), audio: audio.toString('base64') }
  child.stdin.end(JSON.stringify(input))
  const [stdout, stderr] = await Promise.all([text(child.stdout), text(child.stderr)])
  assert.notEqual(stdout, '', stderr)
  const run = JSON.parse(stdout) as V4LiveRun
  assert.equal(run.transport, 'platform')
  assertSession(run, 'small-test', 'nova-2-general')
  // a browser-style socket sends no headers: v4 offers the key as a subprotocol, and the server chose `token`
  assert.equal(run.protocol, 'token')
})
