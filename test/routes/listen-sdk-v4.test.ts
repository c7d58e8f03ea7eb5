// The unmodified Deepgram JS SDK v4 (`createClient`, still what many integrations pin), against earshot's REST
// /v1/listen: its own URL building, array encoding, `Authorization: Token` header and `deepgram/audio+video` bodies.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { once } from 'node:events'
import { createClient } from '@deepgram/sdk-v4'
import { aliasServer, assertRestReply, vocabularyFor, MODELS, REST_PARAMETERS } from '../helpers/deepgram-clients.ts'

const wav = readFileSync(new URL('../fixtures/audio/jfk-16k-s16.wav', import.meta.url))

test('SDK v4 transcribeFile: Deepgram model names and a wide parameter set, Deepgram-shaped replies', async (t) => {
  const { app, key } = await aliasServer(t)
  const deepgram = createClient(key, { global: { url: app.url } })
  for (const [model, ran] of MODELS) {
    const { result, error } = await deepgram.listen.prerecorded.transcribeFile(wav, { ...REST_PARAMETERS, model, ...vocabularyFor(model) })
    assert.equal(error, null, `${model}: ${String(error)}`)
    assertRestReply(result, ran, model)
  }

  // a model that is neither installed nor an alias: the SDK reports Deepgram's 400 as its error
  const { result, error } = await deepgram.listen.prerecorded.transcribeFile(wav, { model: 'no-such-model' })
  assert.equal(result, null)
  assert.match(String(error), /Unknown model 'no-such-model'/)
})

test('SDK v4 transcribeUrl: the audio fetched from a local origin, same names and parameters', async (t) => {
  let fetched = 0
  const origin = createServer((req, res) => {
    if (req.url !== '/jfk.wav') {
      res.writeHead(404).end()
      return
    }
    fetched++
    res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': wav.length }).end(wav)
  })
  origin.listen(0, '127.0.0.1')
  await once(origin, 'listening')
  t.after(() => origin.close())
  const url = `http://127.0.0.1:${(origin.address() as { port: number }).port}/jfk.wav`
  // the origin is on loopback, which the address policy refuses unless told otherwise
  const { app, key } = await aliasServer(t, { ALLOW_PRIVATE_URLS: 'true' })
  const deepgram = createClient(key, { global: { url: app.url } })
  for (const [model, ran] of MODELS) {
    const { result, error } = await deepgram.listen.prerecorded.transcribeUrl({ url }, { ...REST_PARAMETERS, model, ...vocabularyFor(model) })
    assert.equal(error, null, `${model}: ${String(error)}`)
    assertRestReply(result, ran, model)
  }
  assert.equal(fetched, MODELS.length)

  const refused = createClient('f'.repeat(40), { global: { url: app.url } })
  const { error } = await refused.listen.prerecorded.transcribeUrl({ url })
  assert.match(String(error), /Invalid credentials/)
  assert.equal(fetched, MODELS.length, 'a refused key never makes the server fetch')
})
