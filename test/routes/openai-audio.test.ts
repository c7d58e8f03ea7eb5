import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import OpenAI, { AuthenticationError, BadRequestError, PermissionDeniedError, toFile } from 'openai'
import { parseSync } from 'subtitle'
import { build } from '../helpers/build.ts'
import { testAudio, TEST_PHRASE } from '../helpers/models.ts'
import { assertOpenAiError, assertTranscription, assertVerbose, openAiClient, wav, TONES } from '../helpers/openai.ts'

const jfk = readFileSync(new URL('../fixtures/audio/jfk-16k-s16.wav', import.meta.url))
const upload = async (bytes: Buffer = jfk, name = 'jfk.wav') => await toFile(bytes, name, { type: 'audio/wav' })

test('the openai SDK: json with usage, verbose_json with every segment field, words on request', async (t) => {
  const app = await build(t, TONES)
  const key = await app.createKey()
  const openai = openAiClient(app, key)

  const { data: json, response } = await openai.audio.transcriptions.create({ file: await upload(), model: 'small-test' }).withResponse()
  assertTranscription(json)
  assert.equal(json.text, TEST_PHRASE, 'the scripted model always says its phrase')
  assert.deepEqual(json.usage, { type: 'duration', seconds: 2 })
  assert.ok(response.headers.get('x-request-id'))
  assert.equal(response.headers.get('x-request-id'), response.headers.get('dg-request-id'))

  const verbose = await openai.audio.transcriptions.create({ file: await upload(), model: 'small-test', response_format: 'verbose_json' })
  assertVerbose(verbose, { task: 'transcribe', segments: true, words: false })
  assert.equal(verbose.language, 'english')
  assert.ok(Math.abs(verbose.duration - 2) < 0.01)
  assert.equal(verbose.text, TEST_PHRASE)
  assert.equal(verbose.segments?.map((s) => s.text).join('').trim(), verbose.text)

  const words = await openai.audio.transcriptions.create({
    file: await upload(), model: 'small-test', response_format: 'verbose_json', timestamp_granularities: ['word'], temperature: 0.4
  })
  assertVerbose(words, { task: 'transcribe', segments: false, words: true })
  assert.deepEqual(words.words?.map((w) => w.word), TEST_PHRASE.split(' ').map((w) => w.replace(/[.,]$/, '')))

  const both = await openai.audio.transcriptions.create({
    file: await upload(), model: 'small-test', response_format: 'verbose_json', timestamp_granularities: ['word', 'segment'], temperature: 0.4
  })
  assertVerbose(both, { task: 'transcribe', segments: true, words: true })
  assert.ok(both.segments?.every((s) => s.temperature === 0.4), 'segments report the temperature asked for')

  const withLogprobs = await openai.audio.transcriptions.create({ file: await upload(), model: 'small-test', include: ['logprobs'] })
  assertTranscription(withLogprobs, { logprobs: true })
  assert.ok(!app.logs.some((line) => line.includes(key)), 'the key never reaches a log')
  assert.equal((withLogprobs as { logprobs?: Array<{ token: string }> }).logprobs?.map((l) => l.token).join('').trim(), TEST_PHRASE)
})

test('the openai SDK: text, srt and vtt come back as text', async (t) => {
  const app = await build(t, TONES)
  const openai = openAiClient(app, await app.createKey())
  const text = await openai.audio.transcriptions.create({ file: await upload(), model: 'small-test', response_format: 'text' })
  assert.equal(text, `${TEST_PHRASE}\n`)

  // two 30 s windows: the scripted model speaks its phrase in each, so there are several cues
  const long = wav(testAudio(45))
  const srt = await openai.audio.transcriptions.create({ file: await upload(long, 'long.wav'), model: 'small-test', response_format: 'srt' })
  assert.match(srt, /^1\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n/)
  const cues = parseSync(srt).flatMap((n) => n.type === 'cue' ? [n.data] : [])
  assert.ok(cues.length >= 2, srt)
  for (const [i, cue] of cues.entries()) {
    assert.ok(cue.end >= cue.start && cue.end <= 45_000 && cue.text !== '', JSON.stringify(cue))
    if (i > 0) assert.ok(cue.start >= (cues[i - 1]?.start ?? 0))
  }

  const vtt = await openai.audio.transcriptions.create({ file: await upload(long, 'long.wav'), model: 'small-test', response_format: 'vtt' })
  assert.ok(vtt.startsWith('WEBVTT\n\n'))
  assert.deepEqual(parseSync(vtt).flatMap((n) => n.type === 'cue' ? [[n.data.start, n.data.end, n.data.text]] : []), cues.map((c) => [c.start, c.end, c.text]))
})

test('translations: whisper\'s translate task on a multilingual model; an English-only model is a 400', async (t) => {
  const app = await build(t, TONES)
  const openai = openAiClient(app, await app.createKey())
  const json = await openai.audio.translations.create({ file: await upload(), model: 'small-test' })
  assertTranscription(json)
  assert.equal(json.text, TEST_PHRASE)
  const verbose = await openai.audio.translations.create({ file: await upload(), model: 'small-test', response_format: 'verbose_json', prompt: 'Hello.' })
  assertVerbose(verbose, { task: 'translate', segments: true, words: false })
  assert.equal(verbose.language, 'english')
  assert.equal(await openai.audio.translations.create({ file: await upload(), model: 'small-test', response_format: 'text' }), `${TEST_PHRASE}\n`)

  const english = await build(t, { ...TONES }, 'tiny.en')
  const refused = await openAiClient(english, await english.createKey()).audio.translations.create({ file: await upload(), model: 'tiny.en' })
    .then(() => assert.fail('expected a 400'), (err: unknown) => err)
  assert.ok(refused instanceof BadRequestError)
  assert.equal(refused.status, 400)
  assertOpenAiError({ error: refused.error }, { type: 'invalid_request_error', param: 'model', message: /English-only.*multilingual/ })
})

test('plain fetch with FormData: every response format, repeated fields, Bearer key', async (t) => {
  const app = await build(t, TONES)
  const key = await app.createKey()
  const post = async (fields: Record<string, string | string[]>, path = '/v1/audio/transcriptions') => {
    const form = new FormData()
    form.append('file', new Blob([jfk], { type: 'audio/wav' }), 'jfk.wav')
    for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) form.append(name, v)
    return await app.fetch(path, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form })
  }
  const json = await post({})
  assert.equal(json.status, 200)
  assert.match(json.headers.get('content-type') ?? '', /^application\/json/)
  assertTranscription(await json.json())
  for (const [format, pattern] of [['text', /^Hello world/], ['srt', /^1\n00:00:00,000 --> /], ['vtt', /^WEBVTT\n\n/]] as const) {
    const res = await post({ response_format: format, model: 'whisper-1' })
    assert.equal(res.status, 200, format)
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/)
    assert.match(await res.text(), pattern)
  }
  const verbose = await post({ response_format: 'verbose_json', 'timestamp_granularities[]': ['word', 'segment'], language: 'en' })
  assertVerbose(await verbose.json(), { task: 'transcribe', segments: true, words: true })
  const byName = await post({ response_format: 'verbose_json', language: 'English', chunking_strategy: 'auto' })
  assert.equal((await byName.json() as { language: string }).language, 'english')
  // bracket-less array fields and empty fields (HTML forms send them) are understood
  const plain = await post({ include: 'logprobs', language: '', prompt: '', timestamp_granularities: 'word', response_format: 'json' })
  assert.equal(plain.status, 200)
  assertTranscription(await plain.json(), { logprobs: true })
  const translated = await post({ response_format: 'verbose_json' }, '/v1/audio/translations')
  assertVerbose(await translated.json(), { task: 'translate', segments: true, words: false })
})

test('bad files and parameters get OpenAI-shaped 400s naming the field', async (t) => {
  const app = await build(t, { ...TONES, MAX_AUDIO_SECONDS: '1' })
  const english = await build(t, { ...TONES }, 'tiny.en')
  const openai = openAiClient(app, await app.createKey())
  const refusal = async (request: Promise<unknown>): Promise<BadRequestError> => {
    const err = await request.then(() => assert.fail('expected an error'), (e: unknown) => e)
    assert.ok(err instanceof BadRequestError, String(err))
    return err
  }
  const short = wav(testAudio(0.5))
  const garbage = await refusal(openai.audio.transcriptions.create({ file: await toFile(Buffer.from('this is not audio at all'), 'a.mp3'), model: 'small-test' }))
  assertOpenAiError({ error: garbage.error }, { type: 'invalid_request_error', param: 'file' })
  const empty = await refusal(openai.audio.transcriptions.create({ file: await toFile(Buffer.alloc(0), 'a.wav'), model: 'small-test' }))
  assertOpenAiError({ error: empty.error }, { param: 'file', message: /no audio/ })
  const diarized = await refusal(openai.audio.transcriptions.create({ file: await upload(short), model: 'small-test', response_format: 'diarized_json' }))
  assertOpenAiError({ error: diarized.error }, { param: 'response_format', message: /diarized_json.*not supported/ })
  assertOpenAiError(sdkBody(await refusal(openai.audio.transcriptions.create({ file: await upload(short), model: 'no-such-model' }))),
    { param: 'model', message: /Unknown model 'no-such-model'/ })
  assertOpenAiError(sdkBody(await refusal(openai.audio.transcriptions.create({ file: await upload(short), model: 'small-test', language: 'klingon' }))),
    { param: 'language', message: /Unsupported language/ })
  assertOpenAiError(sdkBody(await refusal(openai.audio.transcriptions.create({ file: await upload(short), model: 'small-test', temperature: 2 }))),
    { param: 'temperature', code: 'invalid_value' })
  const stream = await refusal(openai.audio.transcriptions.create({ file: await upload(short), model: 'small-test', response_format: 'srt', stream: true }))
  assertOpenAiError({ error: stream.error }, { param: 'stream' })
  const englishOnly = await refusal(openAiClient(english, await english.createKey()).audio.transcriptions.create({ file: await upload(short), model: 'tiny.en', language: 'de' }))
  assertOpenAiError({ error: englishOnly.error }, { param: 'language', message: /English-only/ })

  const key = await app.createKey()
  const noFile = new FormData()
  noFile.append('model', 'small-test')
  const missing = await app.fetch('/v1/audio/transcriptions', { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: noFile })
  assert.equal(missing.status, 400)
  assertOpenAiError(await missing.json(), { param: 'file' })
  const asJson = await app.fetch('/v1/audio/transcriptions', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{"model":"whisper-1"}' })
  assert.equal(asJson.status, 415)
  assertOpenAiError(await asJson.json(), { code: 'unsupported_media_type', message: /multipart\/form-data/ })
  const broken = await app.fetch('/v1/audio/transcriptions', {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'multipart/form-data; boundary=xyz' }, body: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\nRIFF'
  })
  assert.equal(broken.status, 400)
  assertOpenAiError(await broken.json(), { type: 'invalid_request_error' })
  const tooLong = await app.fetch('/v1/audio/transcriptions', { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: formWith(jfk) })
  assert.equal(tooLong.status, 413)
  assertOpenAiError(await tooLong.json(), { param: 'file', code: 'file_too_large' })
  const unknown = await app.fetch('/v1/audio/speech', { method: 'POST', headers: { authorization: `Bearer ${key}` } })
  assert.equal(unknown.status, 404)
  assertOpenAiError(await unknown.json(), { code: 'unknown_url' })
  assert.equal((await openai.audio.transcriptions.create({ file: await upload(short), model: 'small-test' })).text, TEST_PHRASE, 'still serving')
})

/** The SDK hands over the reply's inner `error` object; this is the body the server sent. */
const sdkBody = (err: BadRequestError): unknown => ({ error: err.error })

function formWith (bytes: Buffer): FormData {
  const form = new FormData()
  form.append('file', new Blob([bytes]), 'a.wav')
  return form
}

test('keys: a bad or missing key is OpenAI\'s 401; the Deepgram routes keep their own shape', async (t) => {
  const app = await build(t, TONES)
  const err = await openAiClient(app, 'not-a-key').audio.transcriptions.create({ file: await upload(), model: 'whisper-1' })
    .then(() => assert.fail('expected a 401'), (e: unknown) => e)
  assert.ok(err instanceof AuthenticationError)
  assertOpenAiError({ error: err.error }, { type: 'invalid_request_error', code: 'invalid_api_key', param: null })
  const none = await app.fetch('/v1/audio/translations', { method: 'POST', body: formWith(jfk) })
  assert.equal(none.status, 401)
  assert.ok(none.headers.get('x-request-id') !== null && none.headers.get('x-request-id') === none.headers.get('dg-request-id'))
  assertOpenAiError(await none.json(), { code: 'invalid_api_key' })
  const expired = await openAiClient(app, await app.createKey({ expiresAt: new Date(Date.now() - 1000) })).audio.transcriptions
    .create({ file: await upload(), model: 'whisper-1' }).then(() => assert.fail('expected a 403'), (e: unknown) => e)
  assert.ok(expired instanceof PermissionDeniedError)
  assertOpenAiError({ error: expired.error }, { code: 'key_expired' })
  const deepgram = await app.fetch('/v1/listen', { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: jfk })
  assert.equal(deepgram.status, 401)
  assert.deepEqual(Object.keys(await deepgram.json() as object).sort(), ['err_code', 'err_msg', 'request_id'])
})

test('size caps: a file over BODY_LIMIT is a 413 in OpenAI\'s shape, and the server stays up', async (t) => {
  const app = await build(t, { ...TONES, BODY_LIMIT: '4096' })
  const key = await app.createKey()
  const res = await app.fetch('/v1/audio/transcriptions', { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: formWith(jfk) })
  assert.equal(res.status, 413)
  assertOpenAiError(await res.json(), { param: 'file', code: 'file_too_large' })
  const small = await app.fetch('/v1/audio/transcriptions', { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: formWith(wav(testAudio(0.05))) })
  assert.equal(small.status, 200)
})

test('limits: 429 with Retry-After and 503 with Retry-After, in OpenAI\'s shape', async (t) => {
  const limited = await build(t, { ...TONES, RATE_LIMIT_MAX: '1' })
  const key = await limited.createKey()
  const send = async () => await limited.fetch('/v1/audio/transcriptions', { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: formWith(wav(testAudio(0.5))) })
  assert.equal((await send()).status, 200)
  const second = await send()
  assert.equal(second.status, 429)
  assert.ok(Number(second.headers.get('retry-after')) >= 1)
  assertOpenAiError(await second.json(), { type: 'requests', code: 'rate_limit_exceeded' })

  const busy = await build(t, { ...TONES, ENGINE_CONCURRENCY: '1', QUEUE_MAX: '0' }, 'tiny.en')
  const busyKey = await busy.createKey()
  await busy.app.engine.ready()
  const post = async () => await busy.fetch('/v1/audio/transcriptions?x=1', { method: 'POST', headers: { authorization: `Bearer ${busyKey}` }, body: formWith(jfk) })
  const first = post()
  while (busy.app.engine.stats().running === 0) await new Promise((resolve) => setImmediate(resolve))
  const refused = await post()
  assert.equal(refused.status, 503)
  assert.ok(Number(refused.headers.get('retry-after')) >= 1)
  assertOpenAiError(await refused.json(), { type: 'server_error', code: 'server_busy' })
  assert.equal((await first).status, 200)
})

test('OPENAI_BASE_URL-style use: an unmodified SDK client configured only by the environment, as in the README', async (t) => {
  const app = await build(t, TONES)
  const saved = { base: process.env.OPENAI_BASE_URL, key: process.env.OPENAI_API_KEY }
  t.after(() => {
    for (const [name, value] of [['OPENAI_BASE_URL', saved.base], ['OPENAI_API_KEY', saved.key]] as const) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  })
  process.env.OPENAI_BASE_URL = `${app.url}/v1`
  process.env.OPENAI_API_KEY = await app.createKey()
  const { text } = await new OpenAI({ maxRetries: 0 }).audio.transcriptions.create({ file: await upload(), model: 'whisper-1' })
  assert.equal(text, TEST_PHRASE)
})
