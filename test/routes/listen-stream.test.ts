import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { build } from '../helpers/build.ts'
import { testModel } from '../helpers/models.ts'
import { chunks, fixture, jfkSpeech16k, quietNoise16k, silence16k } from '../helpers/live-audio.ts'
import { connect, refusal, type Message } from '../helpers/deepgram-live-client.ts'

/** See testEngine in test/helpers/live-engine.ts: one whisper thread keeps decodes fast on a busy machine. */
const ONE_THREAD = { WHISPER_THREADS: '1' }

const RAW = '?encoding=linear16&sample_rate=16000'
const jfk = jfkSpeech16k()
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

test('a live session: SpeechStarted, interim and final Results, UtteranceEnd, then Metadata and close 1000', async (t) => {
  const app = await build(t, ONE_THREAD)
  const key = await app.createKey()
  const client = await connect(app, `${RAW}&interim_results=true&vad_events=true&utterance_end_ms=1000&tag=live&model=small-test&punctuate=true`,
    { headers: { authorization: `Token ${key}` } })
  const requestId = client.upgradeHeaders['dg-request-id']
  assert.match(String(requestId), /^[0-9a-f-]{36}$/)

  const head = Buffer.concat([silence16k(0.5), jfk.subarray(0, 1.6 * 32000)])
  const tail = Buffer.concat([jfk.subarray(1.6 * 32000), silence16k(1.5), jfk, silence16k(1.5)])
  await client.sendAudio(head)
  await client.until(() => client.results().length > 0) // an interim, while the utterance goes on
  await client.sendAudio(tail)
  client.sendJson({ type: 'CloseStream' })
  assert.deepEqual(await client.closed, { code: 1000, reason: '' })
  assert.deepEqual(client.problems, [])

  const types = client.types()
  assert.equal(types[0], 'SpeechStarted')
  assert.equal(types.at(-1), 'Metadata')
  assert.equal(types[1], 'interim')
  const finals = client.finals()
  assert.equal(finals.length, 2, types.join())
  // each final ends its utterance, is followed by that utterance's UtteranceEnd, and no interim follows a final
  // of the same utterance
  const ends = client.messages.filter((m) => m.type === 'UtteranceEnd')
  assert.equal(ends.length, 2, types.join())
  for (const [i, final] of finals.entries()) {
    assert.equal(final.speech_final, true)
    assert.equal(final.from_finalize, false)
    assert.equal(final.metadata?.request_id, requestId)
    assert.equal(final.metadata?.model_info.name, 'small-test')
    const alt = (final.channel as { alternatives: Array<{ transcript: string, words: Array<{ start: number, end: number, punctuated_word: string }> }> }).alternatives[0]
    assert.ok(alt !== undefined && alt.words.length > 0)
    assert.equal(alt.transcript, alt.words.map((w) => w.punctuated_word).join(' '))
    const start = final.start as number
    const end = start + (final.duration as number)
    assert.ok(alt.words.every((w) => w.start >= start - 1e-3 && w.end <= end + 1e-3), 'word times are stream times inside the result')
    const utteranceEnd = ends[i] as Message
    assert.ok(client.messages.indexOf(utteranceEnd) > client.messages.indexOf(final))
    assert.ok((utteranceEnd.last_word_end as number) <= end + 1e-3)
    assert.deepEqual(utteranceEnd.channel, [0, 1])
  }
  assert.ok(Math.abs((finals[1]?.start as number) - 3.7) < 0.15, `the second utterance is placed in stream time: ${finals[1]?.start}`)
  const started = client.messages.filter((m) => m.type === 'SpeechStarted')
  assert.equal(started.length, 2)
  assert.ok(Math.abs((started[0]?.timestamp as number) - 0.5) < 0.15)

  const metadata = client.messages.at(-1) as Message
  assert.equal(metadata.request_id, requestId)
  assert.equal(metadata.duration, 7.5)
  assert.equal(metadata.channels, 1)
  assert.equal(metadata.sha256, sha256(Buffer.concat([head, tail])))
  assert.deepEqual(metadata.tags, ['live'])
  assert.deepEqual(metadata.models, [finals[0]?.metadata?.model_uuid])
})

test('every way of presenting the key opens a session; browsers get the `token` subprotocol', async (t) => {
  const app = await build(t, ONE_THREAD)
  const key = await app.createKey()
  const ways: Array<[string, string, { headers?: Record<string, string>, protocols?: string[] }]> = [
    ['Token', RAW, { headers: { authorization: `Token ${key}` } }],
    ['Bearer', RAW, { headers: { authorization: `Bearer ${key}` } }],
    ['X-API-Token', RAW, { headers: { 'x-api-token': key } }],
    ['?token=', `${RAW}&token=${key}`, {}],
    ['Sec-WebSocket-Protocol', RAW, { protocols: ['token', key] }]
  ]
  for (const [name, query, options] of ways) {
    const client = await connect(app, query, options)
    assert.equal(client.ws.protocol, name === 'Sec-WebSocket-Protocol' ? 'token' : '', name)
    client.sendJson({ type: 'CloseStream' })
    assert.deepEqual(await client.closed, { code: 1000, reason: '' }, name)
    assert.deepEqual(client.types(), ['Metadata'], name)
  }
  assert.ok(!app.logs.some((line) => line.includes(key)), 'the key never reaches the log')
})

test('refused before the upgrade: plain HTTP 401/400 with dg-error and the usual JSON body', async (t) => {
  // The English-only case needs tiny.en installed beside the default model (the test models share one directory):
  // generated here so the file passes alone, not only after another test happened to generate it.
  testModel('tiny.en')
  const app = await build(t, ONE_THREAD)
  const key = await app.createKey()
  const auth = { headers: { authorization: `Token ${key}` } }
  const cases: Array<[string, string, { headers?: Record<string, string>, protocols?: string[] }, number, RegExp]> = [
    ['no key', RAW, {}, 401, /Invalid credentials/],
    ['unknown key', `${RAW}&token=not-a-key`, {}, 401, /Invalid credentials/],
    ['unknown key as subprotocol', RAW, { protocols: ['token', 'not-a-key'] }, 401, /Invalid credentials/],
    ['raw audio without sample_rate', '?encoding=linear16', auth, 400, /sample_rate is required/],
    ['unsupported encoding', '?encoding=speex&sample_rate=8000', auth, 400, /encoding/],
    ['bad flag', '?interim_results=maybe', auth, 400, /interim_results/],
    ['bad endpointing', '?endpointing=soon', auth, 400, /endpointing/],
    ['unknown model', '?model=large-v9', auth, 400, /Unknown model 'large-v9'\. Installed models: .*\. Aliases \(MODEL_ALIASES\): nova-3, /],
    ['English-only model', '?model=tiny.en&language=de', auth, 400, /Model 'tiny.en' is English-only/],
    ['unknown language', '?language=xx', auth, 400, /Unsupported language/]
  ]
  for (const [name, query, options, status, message] of cases) {
    const res = await refusal(app, query, options)
    assert.equal(res.status, status, name)
    assert.match(String(res.headers['dg-error']), message, name)
    assert.equal(res.headers['dg-error'], res.body.err_msg, name)
    assert.equal(res.headers['dg-request-id'], res.body.request_id, name)
    assert.match(res.body.err_msg, message, name)
  }
  assert.ok(!app.logs.some((line) => line.includes('not-a-key')), 'refused keys never reach the log')
})

test('unknown query parameters are ignored; a plain GET describes the endpoint', async (t) => {
  const app = await build(t, ONE_THREAD)
  const key = await app.createKey()
  const client = await connect(app, `${RAW}&diarize=true&summarize=v2&whatever=1&endpointing=false&smart_format=true`,
    { headers: { authorization: `Token ${key}` } })
  client.sendJson({ type: 'CloseStream' })
  assert.equal((await client.closed).code, 1000)

  const res = await app.fetch('/v1/listen', { headers: { authorization: `Token ${key}` } })
  assert.equal(res.status, 200)
  const body = await res.json() as { protocol: string, limits: { idle_timeout_seconds: number } }
  assert.equal(body.protocol, 'websocket')
  assert.equal(body.limits.idle_timeout_seconds, 10)
})

test('the stream limits come from the STREAM_* settings', async (t) => {
  const app = await build(t, { ...ONE_THREAD, STREAM_IDLE_TIMEOUT: '3s', STREAM_MAX_SECONDS: '120', STREAM_MAX_BUFFER_SECONDS: '20' })
  const key = await app.createKey()
  const res = await app.fetch('/v1/listen', { headers: { authorization: `Token ${key}` } })
  const body = await res.json() as { limits: Record<string, number> }
  assert.equal(body.limits.idle_timeout_seconds, 3)
  assert.equal(body.limits.max_seconds, 120)
  assert.equal(body.limits.max_buffer_seconds, 20)
})

test('Finalize flushes with from_finalize; CloseStream then sends Metadata and closes 1000', async (t) => {
  const app = await build(t, ONE_THREAD)
  const key = await app.createKey()
  const client = await connect(app, RAW, { headers: { authorization: `Token ${key}` } })
  await client.sendAudio(jfk.subarray(0, 1.5 * 32000))
  client.sendJson({ type: 'Finalize' })
  await client.until(() => client.finals().length === 1)
  const flushed = client.finals()[0] as Message
  assert.equal(flushed.from_finalize, true)
  assert.equal(flushed.speech_final, false)
  client.sendJson({ type: 'CloseStream' })
  assert.deepEqual(await client.closed, { code: 1000, reason: '' })
  assert.deepEqual(client.types(), ['final', 'Metadata'])
  assert.deepEqual(client.problems, [])
})

test('an unknown JSON message is ignored; a text frame that is not JSON, or undecodable audio, closes 1008 DATA-0000', async (t) => {
  const app = await build(t, ONE_THREAD)
  const key = await app.createKey()
  const headers = { authorization: `Token ${key}` }

  const configure = await connect(app, RAW, { headers })
  configure.ws.send('{"type": "Configure", "features": {"smart_format": true}}')
  configure.sendJson({ type: 'CloseStream' })
  assert.deepEqual(await configure.closed, { code: 1000, reason: '' })
  assert.deepEqual(configure.messages.map((m) => m.type), ['Metadata'])
  assert.ok(app.logs.some((line) => line.includes('live text message ignored') && line.includes('Configure')))

  const badJson = await connect(app, RAW, { headers })
  badJson.ws.send('{"type": ')
  assert.deepEqual(await badJson.closed, { code: 1008, reason: 'DATA-0000' })

  const notJson = await connect(app, RAW, { headers })
  notJson.ws.send('hello')
  assert.deepEqual(await notJson.closed, { code: 1008, reason: 'DATA-0000' })

  const badAudio = await connect(app, '', { headers }) // no encoding: containerised audio expected
  await badAudio.sendAudio(Buffer.from('definitely not an audio container, just some text bytes. '.repeat(10)))
  assert.deepEqual(await badAudio.closed, { code: 1008, reason: 'DATA-0000' })
  assert.deepEqual([...badJson.messages, ...notJson.messages, ...badAudio.messages], [])
})

test('a browser MediaRecorder WebM/Opus stream is transcribed without any encoding parameter', async (t) => {
  const app = await build(t, ONE_THREAD)
  const key = await app.createKey()
  const client = await connect(app, '?interim_results=true', { protocols: ['token', key] })
  const webm = fixture('jfk-48k-mediarecorder.webm')
  for (const piece of chunks(webm, 800)) await client.sendAudio(piece) // MediaRecorder timeslices
  client.sendJson({ type: 'CloseStream' })
  assert.deepEqual(await client.closed, { code: 1000, reason: '' })
  assert.deepEqual(client.problems, [])
  assert.ok(client.finals().length >= 1, client.types().join())
  const metadata = client.messages.at(-1) as Message
  assert.equal(metadata.type, 'Metadata')
  assert.ok(Math.abs((metadata.duration as number) - 2) < 0.05, `duration ${metadata.duration}`)
  assert.equal(metadata.sha256, sha256(webm))
})

test('two sessions at once keep to themselves', async (t) => {
  const app = await build(t, ONE_THREAD)
  const key = await app.createKey()
  const headers = { authorization: `Token ${key}` }
  const [speaker, quiet] = await Promise.all([connect(app, `${RAW}&tag=speaker`, { headers }), connect(app, `${RAW}&tag=quiet`, { headers })])
  const speech = Buffer.concat([jfk, silence16k(1), jfk, silence16k(0.5)])
  const noise = quietNoise16k(5.5)
  await Promise.all([speaker.sendAudio(speech, 1600), quiet.sendAudio(noise, 1600)])
  speaker.sendJson({ type: 'CloseStream' })
  quiet.sendJson({ type: 'CloseStream' })
  await Promise.all([speaker.closed, quiet.closed])

  assert.deepEqual(quiet.types(), ['Metadata'], 'silence alone yields no Results')
  assert.equal(speaker.finals().length, 2)
  const [a, b] = [speaker.messages.at(-1) as Message, quiet.messages.at(-1) as Message]
  assert.notEqual(a.request_id, b.request_id)
  assert.ok(speaker.finals().every((r) => r.metadata?.request_id === a.request_id))
  assert.deepEqual([a.sha256, a.duration, a.tags], [sha256(speech), 5.5, ['speaker']])
  assert.deepEqual([b.sha256, b.duration, b.tags], [sha256(noise), 5.5, ['quiet']])
})

test('closing the app sends every live client a close frame', async (t) => {
  const app = await build(t, ONE_THREAD)
  const key = await app.createKey()
  const headers = { authorization: `Token ${key}` }
  const clients = await Promise.all([connect(app, RAW, { headers }), connect(app, '', { headers }), connect(app, RAW, { headers })])
  await clients[0]?.sendAudio(jfk.subarray(0, 32000)) // one has an utterance open
  await app.app.close()
  for (const client of clients) {
    assert.equal((await client.closed).code, 1001)
    // whatever was delivered before the close is well-formed, and Metadata (if it made the grace period) is last
    assert.deepEqual(client.problems, [])
    const metadataAt = client.types().indexOf('Metadata')
    assert.ok(metadataAt === -1 || metadataAt === client.messages.length - 1)
  }
})
