import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { toFile } from 'openai'
import { build, type TestApp } from '../helpers/build.ts'
import { testAudio, TEST_PHRASE } from '../helpers/models.ts'
import { assertLogprob, openAiClient, wav, TONES } from '../helpers/openai.ts'

const jfk = readFileSync(new URL('../fixtures/audio/jfk-16k-s16.wav', import.meta.url))

const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve))
}

/** transcript.text.done's usage (TranscriptionTextDoneEvent.Usage): token counts, all integers, adding up. */
function assertTokenUsage (usage: Record<string, unknown>): void {
  assert.deepEqual(Object.keys(usage).sort(), ['input_token_details', 'input_tokens', 'output_tokens', 'total_tokens', 'type'])
  assert.equal(usage.type, 'tokens')
  const details = usage.input_token_details as Record<string, unknown>
  assert.deepEqual(Object.keys(details).sort(), ['audio_tokens', 'text_tokens'])
  for (const n of [usage.input_tokens, usage.output_tokens, usage.total_tokens, details.audio_tokens, details.text_tokens]) assert.ok(Number.isInteger(n) && (n as number) >= 0)
  assert.equal(usage.total_tokens, (usage.input_tokens as number) + (usage.output_tokens as number))
  assert.equal(usage.input_tokens, (details.audio_tokens as number) + (details.text_tokens as number))
}

test('stream=true with the openai SDK: deltas per segment, then done with the full text and usage', async (t) => {
  const app = await build(t, TONES)
  const openai = openAiClient(app, await app.createKey())
  const stream = await openai.audio.transcriptions.create({ file: await toFile(wav(testAudio(45)), 'long.wav'), model: 'whisper-1', stream: true })
  const events: Array<Record<string, unknown>> = []
  for await (const event of stream) events.push(event as unknown as Record<string, unknown>)
  const done = events.at(-1) as Record<string, unknown>
  const deltas = events.slice(0, -1)
  assert.ok(deltas.length >= 2, `one delta per segment (two 30 s windows): ${JSON.stringify(events)}`)
  for (const d of deltas) {
    assert.deepEqual(Object.keys(d).sort(), ['delta', 'type'])
    assert.equal(d.type, 'transcript.text.delta')
    assert.ok(typeof d.delta === 'string' && d.delta !== '')
  }
  assert.deepEqual(Object.keys(done).sort(), ['text', 'type', 'usage'])
  assert.equal(done.type, 'transcript.text.done')
  assert.equal(done.text, deltas.map((d) => d.delta).join(''))
  assert.equal(done.text, `${TEST_PHRASE} ${TEST_PHRASE}`)
  assertTokenUsage(done.usage as Record<string, unknown>)
  assert.equal((done.usage as { input_token_details: { audio_tokens: number } }).input_token_details.audio_tokens, 45 * 50)

  const withLogprobs = await openai.audio.transcriptions.create({ file: await toFile(jfk, 'jfk.wav'), model: 'small-test', stream: true, include: ['logprobs'] })
  const lpEvents: Array<Record<string, unknown>> = []
  for await (const event of withLogprobs) lpEvents.push(event as unknown as Record<string, unknown>)
  for (const e of lpEvents) {
    assert.ok(Array.isArray(e.logprobs) && e.logprobs.length > 0, JSON.stringify(e))
    for (const lp of e.logprobs as Array<Record<string, unknown>>) assertLogprob(lp)
  }
})

test('the stream on the wire: text/event-stream, data-only events, no [DONE] sentinel', async (t) => {
  const app = await build(t, TONES)
  const key = await app.createKey()
  const form = new FormData()
  form.append('file', new Blob([jfk]), 'jfk.wav')
  form.append('stream', 'true')
  form.append('response_format', 'text')
  const res = await app.fetch('/v1/audio/transcriptions', { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form })
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/)
  assert.equal(res.headers.get('cache-control'), 'no-cache')
  assert.ok(res.headers.get('dg-request-id'))
  const body = await res.text()
  const blocks = body.split('\n\n').filter((b) => b !== '')
  assert.ok(body.endsWith('\n\n'))
  for (const block of blocks) assert.match(block, /^data: \{.*\}$/)
  const events = blocks.map((b) => JSON.parse(b.slice('data: '.length)) as { type: string })
  assert.deepEqual(events.map((e) => e.type), ['transcript.text.delta', 'transcript.text.done'])
})

/** Whether this engine reports segments while it decodes (engine-v2); today's reports them only at the end. */
async function reportsSegmentsLive (app: TestApp): Promise<boolean> {
  let called = false
  await app.app.engine.transcribe(testAudio(2), { model: await app.app.engine.models.describeModel(), onSegment: () => { called = true } })
  return called
}

test('deltas are flushed as segments complete, before the decode ends', async (t) => {
  const app = await build(t, { ...TONES, DEFAULT_AUDIO_CTX: '0', ENGINE_CONCURRENCY: '1' }, 'tiny.en')
  await app.app.engine.ready()
  if (!(await reportsSegmentsLive(app))) {
    t.skip('this engine reports segments only when the decode ends (per-segment callbacks come with engine-v2)')
    return
  }
  const form = new FormData()
  form.append('file', new Blob([wav(testAudio(85))]), 'long.wav')
  form.append('stream', 'true')
  const res = await app.fetch('/v1/audio/transcriptions', { method: 'POST', headers: { authorization: `Bearer ${await app.createKey()}` }, body: form })
  assert.equal(res.status, 200)
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  const first = await reader.read()
  assert.match(new TextDecoder().decode(first.value), /^data: \{"type":"transcript\.text\.delta"/)
  assert.equal(app.app.engine.stats().running, 1, 'the first delta arrived while whisper was still decoding later windows')
  while (!(await reader.read()).done) { /* drain */ }
})

test('a client that goes away cancels its job: a queued decode never runs, the server keeps serving', async (t) => {
  const app = await build(t, { ...TONES, ENGINE_CONCURRENCY: '1', QUEUE_MAX: '4', DEFAULT_AUDIO_CTX: '0' }, 'tiny.en')
  const key = await app.createKey()
  await app.app.engine.ready()
  const post = (bytes: Buffer, stream: boolean, signal?: AbortSignal) => {
    const form = new FormData()
    form.append('file', new Blob([bytes]), 'a.wav')
    if (stream) form.append('stream', 'true')
    return app.fetch('/v1/audio/transcriptions', { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form, ...(signal ? { signal } : {}) })
  }
  const blocker = post(jfk, false)
  await until(() => app.app.engine.stats().running === 1)
  const client = new AbortController()
  const streamed = post(jfk, true, client.signal)
  streamed.catch(() => {})
  await until(() => app.app.engine.stats().waiting === 1)
  client.abort()
  await until(() => app.app.engine.stats().waiting === 0)
  assert.equal(app.app.engine.stats().running, 1, 'the abandoned job left the queue while the first was still running')
  await assert.rejects(streamed)
  assert.equal((await blocker).status, 200)
  // had the abandoned job stayed queued, it would be decoding now that the first one is done
  assert.deepEqual([app.app.engine.stats().running, app.app.engine.stats().waiting], [0, 0])
  assert.ok(app.logs.some((l) => l.includes('client went away')), 'the cancellation is noted')
  assert.ok(!app.logs.some((l) => (JSON.parse(l) as { level: number }).level >= 50), 'a client leaving is not a server error')
  const after = await post(jfk, true)
  assert.equal(after.status, 200)
  assert.match(await after.text(), /transcript\.text\.done/)
})
