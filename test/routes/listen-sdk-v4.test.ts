// The unmodified Deepgram JS SDK v4 (`createClient`, still what most integrations pin), against earshot's REST
// /v1/listen: its own URL building, array encoding, `Authorization: Token` header and `deepgram/audio+video` bodies.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { once } from 'node:events'
import { join } from 'node:path'
import { createClient, type PrerecordedSchema } from '@deepgram/sdk-v4'
import { build, tempDir } from '../helpers/build.ts'
import { assertListenV1Response } from '../helpers/deepgram-schema.ts'
import { installTestModel } from '../helpers/models.ts'

const wav = readFileSync(new URL('../fixtures/audio/jfk-16k-s16.wav', import.meta.url))

/** What an integration passes: a Deepgram model name and most of the parameters the v4 types know. */
const WIDE: PrerecordedSchema = {
  language: 'en',
  smart_format: true,
  punctuate: true,
  diarize: true,
  numerals: true,
  profanity_filter: true,
  redact: ['pci', 'ssn'],
  search: ['hello', 'synthetic model'],
  replace: ['world:earth'],
  keywords: ['whisper:2'],
  utterances: true,
  paragraphs: true,
  filler_words: true,
  measurements: true,
  dictation: false,
  tag: ['sdk-v4'],
  extra: ['team:ci']
}

interface Reply {
  metadata: { models: string[], model_info: Record<string, { name: string }>, tags?: string[], extra?: Record<string, string>, warnings?: Array<{ parameter: string }> }
  results: {
    channels: Array<{
      search?: Array<{ query: string, hits: Array<{ start: number, end: number }> }>
      alternatives: Array<{ transcript: string, words: Array<{ speaker?: number, speaker_confidence?: number }>, paragraphs?: unknown }>
    }>
    utterances?: unknown[]
  }
}

/** The parameters did what Deepgram documents; `ran` is the installed model metadata.model_info names. */
function assertWide (result: unknown, ran: string, label: string): void {
  assertListenV1Response(result)
  const reply = result as Reply
  const info = reply.metadata.model_info[reply.metadata.models[0] as string]
  assert.equal(info?.name, ran, label)
  const channel = reply.results.channels[0]
  const alternative = channel?.alternatives[0]
  // the synthetic model says "Hello world, this is a synthetic whisper model. …"
  assert.match(alternative?.transcript ?? '', /^Hello earth, this is a synthetic whisper model\./, label)
  assert.deepEqual(channel?.search?.map((s) => [s.query, s.hits.length > 0]), [['hello', true], ['synthetic model', true]], label)
  assert.ok(alternative?.words.every((w) => w.speaker === 0 && typeof w.speaker_confidence === 'number'), label)
  assert.ok(alternative?.paragraphs !== undefined, `${label}: paragraphs`)
  assert.ok((reply.results.utterances?.length ?? 0) > 0, `${label}: utterances`)
  assert.deepEqual(reply.metadata.tags, ['sdk-v4'], label)
  assert.deepEqual(reply.metadata.extra, { team: 'ci' }, label)
  assert.ok(reply.metadata.warnings?.some((w) => w.parameter === 'filler_words'), `${label}: filler_words warning`)
}

/** A server whose MODELS_DIR holds the synthetic model as DEFAULT_MODEL `small-test` and as whisper `base`. */
async function server (t: Parameters<typeof build>[0], env: Record<string, string> = {}) {
  const models = join(tempDir(t), 'models')
  installTestModel(models, 'small-test')
  installTestModel(models, 'small-test', 'base')
  return await build(t, { MODELS_DIR: models, ...env })
}

/** Deepgram names and what runs for them here: nova-* is DEFAULT_MODEL, whisper-base the installed `base`. */
const MODELS: Array<[string, string]> = [['nova-3', 'small-test'], ['nova-2-general', 'small-test'], ['whisper-base', 'base']]

test('SDK v4 transcribeFile: Deepgram model names and a wide parameter set, Deepgram-shaped replies', async (t) => {
  const app = await server(t)
  const key = await app.createKey()
  const deepgram = createClient(key, { global: { url: app.url } })
  for (const [model, ran] of MODELS) {
    const { result, error } = await deepgram.listen.prerecorded.transcribeFile(wav, { ...WIDE, model, keyterm: model.startsWith('nova-3') ? ['Americans'] : undefined })
    assert.equal(error, null, `${model}: ${String(error)}`)
    assertWide(result, ran, model)
  }

  // a model that is neither installed nor an alias: the SDK reports Deepgram's 400 as its error
  const { result, error } = await deepgram.listen.prerecorded.transcribeFile(wav, { model: 'no-such-model' })
  assert.equal(result, null)
  assert.match(String(error), /Unknown model 'no-such-model'/)
})

test('SDK v4 transcribeUrl: the audio fetched from a local origin, same names and parameters', async (t) => {
  let fetched = 0
  const origin = createServer((req, res) => {
    if (req.url !== '/jfk.wav') return void res.writeHead(404).end()
    fetched++
    res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': wav.length }).end(wav)
  })
  origin.listen(0, '127.0.0.1')
  await once(origin, 'listening')
  t.after(() => origin.close())
  const url = `http://127.0.0.1:${(origin.address() as { port: number }).port}/jfk.wav`
  // the origin is on loopback, which the address policy refuses unless told otherwise
  const app = await server(t, { ALLOW_PRIVATE_URLS: 'true' })
  const key = await app.createKey()
  const deepgram = createClient(key, { global: { url: app.url } })
  for (const [model, ran] of MODELS) {
    const { result, error } = await deepgram.listen.prerecorded.transcribeUrl({ url }, { ...WIDE, model })
    assert.equal(error, null, `${model}: ${String(error)}`)
    assertWide(result, ran, model)
  }
  assert.equal(fetched, MODELS.length)

  const refused = createClient('f'.repeat(40), { global: { url: app.url } })
  const { error } = await refused.listen.prerecorded.transcribeUrl({ url })
  assert.match(String(error), /Invalid credentials/)
  assert.equal(fetched, MODELS.length, 'a refused key never makes the server fetch')
})
