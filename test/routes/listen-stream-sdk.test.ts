import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DeepgramClient } from '@deepgram/sdk'
import { build } from '../helpers/build.ts'
import { jfkSpeech16k, silence16k } from '../helpers/live-audio.ts'
import { schemaViolation, type Message } from '../helpers/deepgram-live-client.ts'

/** See testEngine in test/helpers/live-engine.ts: one whisper thread keeps decodes fast on a busy machine. */
const ONE_THREAD = { WHISPER_THREADS: '1' }

/**
 * The unmodified Deepgram JS SDK (v5), pointed at earshot with `baseUrl`: its own URL building, query encoding,
 * `Authorization: Token` header and message parsing.
 */
test('the Deepgram JS SDK streams, receives Results and Metadata, and closes with CloseStream', async (t) => {
  const app = await build(t, ONE_THREAD)
  const key = await app.createKey()
  const deepgram = new DeepgramClient({ apiKey: key, baseUrl: app.url.replace(/^http/, 'ws') })
  const socket = await deepgram.listen.v1.connect({
    model: 'small-test',
    encoding: 'linear16',
    sample_rate: 16000,
    interim_results: 'true',
    vad_events: 'true',
    utterance_end_ms: 1000,
    endpointing: 300,
    keyterm: ['Americans', 'fellow'],
    tag: 'sdk',
    Authorization: `Token ${key}`,
    reconnectAttempts: 0
  })
  const messages: Message[] = []
  let wake: () => void = () => {}
  const changed = (): Promise<void> => new Promise((resolve) => { wake = resolve })
  socket.on('message', (message) => { messages.push(message as unknown as Message); wake() })
  const closed = new Promise<{ code: number }>((resolve) => socket.on('close', (event) => { resolve(event as { code: number }); wake() }))
  socket.connect()
  await socket.waitForOpen()

  const audio = Buffer.concat([silence16k(0.5), jfkSpeech16k(), silence16k(1.5), jfkSpeech16k(), silence16k(1.5)])
  for (let off = 0; off < audio.length; off += 3200) socket.sendMedia(audio.subarray(off, off + 3200))
  while (messages.filter((m) => m.type === 'UtteranceEnd').length < 2) await changed()
  socket.sendCloseStream({ type: 'CloseStream' })
  assert.equal((await closed).code, 1000)

  assert.deepEqual(messages.map(schemaViolation).filter((v) => v !== undefined), [])
  const finals = messages.filter((m) => m.type === 'Results' && m.is_final === true)
  assert.equal(finals.length, 2)
  assert.ok(finals.every((m) => m.speech_final === true))
  assert.ok(messages.some((m) => m.type === 'SpeechStarted'))
  const metadata = messages.at(-1) as Message
  assert.equal(metadata.type, 'Metadata')
  assert.equal(metadata.duration, 7.5)
  assert.deepEqual(metadata.tags, ['sdk'])
})

test('the SDK sees a refused key as a failed connection: one HTTP 401, no socket, no retry', async (t) => {
  const app = await build(t, ONE_THREAD)
  const deepgram = new DeepgramClient({ apiKey: 'not-a-key', baseUrl: app.url.replace(/^http/, 'ws') })
  const socket = await deepgram.listen.v1.connect({ model: 'small-test', Authorization: 'Token not-a-key', reconnectAttempts: 0 })
  const failed = new Promise<Error>((resolve) => socket.on('error', resolve))
  socket.connect()
  assert.match((await failed).message, /401/)
  assert.equal(app.logs.filter((line) => line.includes('authentication refused')).length, 1)
})
