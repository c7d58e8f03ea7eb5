import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { build, type TestApp } from '../helpers/build.ts'
import { assertListenV1Response } from '../helpers/deepgram-schema.ts'

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/audio/${name}`, import.meta.url))

interface ListenBody {
  metadata: { request_id: string, sha256: string, duration: number, channels: number, models: string[], model_info: Record<string, { name: string }>, tags?: string[], warnings?: Array<{ parameter: string }> }
  results: {
    channels: Array<{ alternatives: Array<{ transcript: string, confidence: number, words: Array<{ word: string, start: number, end: number, punctuated_word: string }>, paragraphs?: { transcript: string, paragraphs: unknown[] } }>, detected_language?: string, language_confidence?: number }>
    utterances?: Array<{ channel: number, transcript: string, start: number, end: number, id: string }>
  }
}

async function listen (app: TestApp, key: string, body: Buffer | string, query = '', contentType = 'audio/wav') {
  return app.fetch(`/v1/listen${query}`, { method: 'POST', headers: { authorization: `Token ${key}`, 'content-type': contentType }, body })
}

test('a WAV upload returns a Deepgram ListenV1Response with word timings inside the audio', async (t) => {
  const app = await build(t, {}, 'tiny.en')
  const key = await app.createKey()
  const audio = fixture('jfk-16k-s16.wav')
  const res = await listen(app, key, audio, '?audio_ctx=auto&tag=demo&tag=ci')
  assert.equal(res.status, 200)
  const body = await res.json() as ListenBody
  assertListenV1Response(body)
  const { metadata, results } = body
  assert.equal(metadata.request_id, res.headers.get('dg-request-id'))
  assert.equal(metadata.sha256, (await import('node:crypto')).createHash('sha256').update(audio).digest('hex'))
  assert.ok(Math.abs(metadata.duration - 2) < 0.1, `duration ${metadata.duration}`)
  assert.equal(metadata.channels, 1)
  assert.deepEqual(metadata.tags, ['demo', 'ci'])
  assert.equal(metadata.model_info[metadata.models[0] as string]?.name, 'tiny.en')
  const alt = results.channels[0]?.alternatives[0]
  assert.ok(alt !== undefined && alt.words.length > 0, 'the scripted model always says its phrase')
  assert.equal(alt.transcript, alt.words.map((w) => w.punctuated_word).join(' '))
  for (const w of alt.words) {
    assert.ok(w.start >= 0 && w.end >= w.start && w.end <= metadata.duration, JSON.stringify(w))
    assert.equal(w.word, w.word.toLowerCase())
    assert.doesNotMatch(w.word, /^[\p{P}]|[\p{P}]$/u)
  }
  assert.ok(alt.confidence > 0 && alt.confidence <= 1)
})

test('every common container decodes: mp3, ogg/opus, ogg/vorbis, webm, flac, m4a', async (t) => {
  const app = await build(t)
  const key = await app.createKey()
  for (const [file, type] of [['jfk-44k.mp3', 'audio/mpeg'], ['jfk-48k-opus.ogg', 'audio/ogg'], ['jfk-44k-vorbis.ogg', 'audio/ogg'],
    ['jfk-48k-mediarecorder.webm', 'audio/webm'], ['jfk-16k.flac', 'audio/flac'], ['jfk-44k.m4a', 'audio/mp4'],
    ['jfk-8k-mulaw.wav', 'application/octet-stream'], ['jfk-8k-s24.wav', 'video/x-anything']] as const) {
    const res = await listen(app, key, fixture(file), '', type)
    assert.equal(res.status, 200, `${file}: ${await res.clone().text()}`)
    const body = await res.json() as ListenBody
    assertListenV1Response(body)
    assert.ok(Math.abs(body.metadata.duration - 2) < 0.15, `${file}: duration ${body.metadata.duration}`)
  }
})

test('headerless audio needs encoding and sample_rate', async (t) => {
  const app = await build(t)
  const key = await app.createKey()
  const pcm = Buffer.alloc(16000 * 2 * 2) // 2 s of s16le silence at 16 kHz
  const ok = await listen(app, key, pcm, '?encoding=linear16&sample_rate=16000', 'application/octet-stream')
  assert.equal(ok.status, 200)
  assert.ok(Math.abs((await ok.json() as ListenBody).metadata.duration - 2) < 0.01)
  const ulaw = await listen(app, key, Buffer.alloc(8000, 0xff), '?encoding=mulaw&sample_rate=8000', 'application/octet-stream')
  assert.equal(ulaw.status, 200)
  const missing = await listen(app, key, pcm, '?encoding=linear16', 'application/octet-stream')
  assert.equal(missing.status, 400)
  assert.match((await missing.json() as { err_msg: string }).err_msg, /sample_rate is required/)
})

test('multichannel=true transcribes each channel into its own results.channels entry', async (t) => {
  const app = await build(t)
  const key = await app.createKey()
  const stereo = fixture('stereo-8k-s16.wav')
  const split = await (await listen(app, key, stereo, '?multichannel=true')).json() as ListenBody
  assertListenV1Response(split)
  assert.equal(split.metadata.channels, 2)
  assert.equal(split.results.channels.length, 2)
  const mixed = await (await listen(app, key, stereo)).json() as ListenBody
  assert.equal(mixed.results.channels.length, 1)
})

test('utterances, paragraphs, detect_language and unknown parameters', async (t) => {
  const app = await build(t, {}, 'tiny.en')
  const key = await app.createKey()
  const res = await listen(app, key, fixture('jfk-16k-s16.wav'), '?audio_ctx=auto&utterances=true&utt_split=0.5&paragraphs=true&detect_language=true&diarize=true&summarize=v2&whatever=1')
  assert.equal(res.status, 200)
  const body = await res.json() as ListenBody
  assertListenV1Response(body)
  const channel = body.results.channels[0]
  assert.equal(channel?.detected_language, 'en')
  assert.ok((body.results.utterances?.length ?? 0) >= 1)
  for (const u of body.results.utterances ?? []) assert.equal(u.channel, 0)
  assert.equal(body.results.utterances?.map((u) => u.transcript).join(' '), channel?.alternatives[0]?.transcript)
  assert.ok(channel?.alternatives[0]?.paragraphs?.transcript.startsWith('\n'))
  assert.deepEqual(body.metadata.warnings?.map((w) => w.parameter).sort(), ['summarize', 'whatever'])
  // diarize: one speaker per channel, on words, utterances and paragraphs
  const words = channel?.alternatives[0]?.words as unknown as Array<{ speaker?: number, speaker_confidence?: number }>
  assert.ok(words.length > 0 && words.every((w) => w.speaker === 0 && w.speaker_confidence === 1))
  assert.ok((body.results.utterances as unknown as Array<{ speaker?: number }>).every((u) => u.speaker === 0))
})

test('bad input gets a clear 4xx and the server stays up', async (t) => {
  const app = await build(t, { BODY_LIMIT: '200000', MAX_AUDIO_SECONDS: '1' })
  const key = await app.createKey()
  const expect = async (res: Response, status: number, message: RegExp) => {
    assert.equal(res.status, status)
    const body = await res.json() as { err_code: string, err_msg: string, request_id: string }
    assert.match(body.err_msg, message)
    assert.equal(body.request_id, res.headers.get('dg-request-id'))
  }
  const short = fixture('jfk-8k-s16.wav').subarray(0, 44 + 8000) // half a second: under MAX_AUDIO_SECONDS
  await expect(await listen(app, key, Buffer.alloc(0)), 400, /no audio data/)
  await expect(await listen(app, key, Buffer.from('definitely not audio, just words in a file')), 400, /^failed to process audio: corrupt or unsupported data$/)
  await expect(await listen(app, key, fixture('jfk-16k-s16.wav').subarray(0, 30)), 400, /failed to process audio/)
  await expect(await listen(app, key, fixture('jfk-16k-s16.wav')), 413, /longer|too long|exceeds|maximum/i)
  await expect(await listen(app, key, Buffer.alloc(300_000, 1)), 413, /.+/)
  await expect(await listen(app, key, short, '?model=large-v9'), 400, /Unknown model 'large-v9'\. Installed models: .*small-test/)
  await expect(await listen(app, key, '{}', '', 'application/json'), 400, /url/)
  await expect(await listen(app, key, '{"url": 5}', '', 'application/json'), 400, /url/)
  await expect(await listen(app, key, 'hello', '', 'text/plain'), 415, /Content-Type 'text\/plain' is not supported/)
  await expect(await listen(app, key, short, '?punctuate=maybe'), 400, /punctuate/)
  await expect(await listen(app, key, short, '?encoding=speex2'), 400, /Unsupported encoding/)
  const after = await listen(app, key, short)
  assert.equal(after.status, 200)
})

test('a full queue answers 503 SERVER_BUSY with Retry-After', async (t) => {
  const app = await build(t, { ENGINE_CONCURRENCY: '1', QUEUE_MAX: '0' }, 'tiny.en')
  const key = await app.createKey()
  await app.app.engine.ready()
  const first = listen(app, key, fixture('jfk-16k-s16.wav'), '?audio_ctx=0')
  // Wait for the first job to hold the only slot: a condition, not a delay.
  while (app.app.engine.stats().running === 0) await new Promise((resolve) => setImmediate(resolve))
  const busy = await listen(app, key, fixture('jfk-16k-s16.wav'))
  assert.equal(busy.status, 503)
  assert.ok(Number(busy.headers.get('retry-after')) >= 1)
  const body = await busy.json() as { err_code: string }
  assert.equal(body.err_code, 'SERVER_BUSY')
  assert.equal((await first).status, 200)
})
