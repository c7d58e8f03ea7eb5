// The unmodified Deepgram JS SDK v5 (`DeepgramClient`) with what its integrations pass: Deepgram model names and a
// wide parameter set, on REST (file and URL) and live. The v4 equivalents: listen-sdk-v4, listen-stream-sdk-v4.
import { test } from 'node:test'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { once } from 'node:events'
import { DeepgramClient } from '@deepgram/sdk'
import { aliasServer, assertLiveSession, assertRestReply, vocabularyFor, LIVE_PARAMETERS, liveStrings, MODELS, REST_PARAMETERS } from '../helpers/deepgram-clients.ts'
import { jfkSpeech16k, silence16k } from '../helpers/live-audio.ts'
import type { Message } from '../helpers/deepgram-live-client.ts'

const wav = readFileSync(new URL('../fixtures/audio/jfk-16k-s16.wav', import.meta.url))

test('SDK v5 transcribeFile and transcribeUrl: Deepgram model names and a wide parameter set', async (t) => {
  const origin = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'audio/wav' }).end(wav) })
  origin.listen(0, '127.0.0.1')
  await once(origin, 'listening')
  t.after(() => origin.close())
  const url = `http://127.0.0.1:${(origin.address() as { port: number }).port}/jfk.wav`
  const { app, key } = await aliasServer(t, { ALLOW_PRIVATE_URLS: 'true' })
  const client = new DeepgramClient({ apiKey: key, baseUrl: app.url })
  for (const [model, ran] of MODELS) {
    const params = { ...REST_PARAMETERS, model, ...vocabularyFor(model) }
    assertRestReply(await client.listen.v1.media.transcribeFile(wav, params), ran, `file ${model}`)
    assertRestReply(await client.listen.v1.media.transcribeUrl({ url, ...params }), ran, `url ${model}`)
  }
})

test('SDK v5 live: nova-3 with the live parameter set', async (t) => {
  const { app, key } = await aliasServer(t)
  const deepgram = new DeepgramClient({ apiKey: key, baseUrl: app.url.replace(/^http/, 'ws') })
  const socket = await deepgram.listen.v1.connect({
    ...liveStrings({ ...LIVE_PARAMETERS, ...vocabularyFor('nova-3') }),
    model: 'nova-3',
    Authorization: `Token ${key}`,
    reconnectAttempts: 0
  })
  const messages: Message[] = []
  socket.on('message', (message) => {
    messages.push(message as unknown as Message)
    if ((message as { type: string }).type === 'UtteranceEnd') socket.sendCloseStream({ type: 'CloseStream' })
  })
  const closed = new Promise<number>((resolve) => socket.on('close', (event) => resolve((event as { code: number }).code)))
  socket.connect()
  await socket.waitForOpen()
  const audio = Buffer.concat([silence16k(0.5), jfkSpeech16k(), silence16k(2)])
  for (let off = 0; off < audio.length; off += 3200) socket.sendMedia(audio.subarray(off, off + 3200))
  assertLiveSession(messages, await closed, 'small-test', 'nova-3')
})
