// Oversized and pathological strings in every field of every protocol (Deepgram REST and live, OpenAI): each gets
// a clear 4xx in the protocol's shape that quotes at most a short excerpt of it, or is served; nothing reaches
// whisper unbounded, and the server keeps serving. The probe's own cases first (a 45-60 KB prompt without spaces
// killed the process with SIGSEGV), then fast-check over every field.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { build, type TestApp } from '../helpers/build.ts'
import { testAudio } from '../helpers/models.ts'
import { wav } from '../helpers/openai.ts'
import { transcriptParameters, restParameters } from '../../src/protocols/deepgram/parameters.ts'
import { transcriptionForm } from '../../src/protocols/openai/schema.ts'
import { connect, refusal } from '../streaming/ws-client.ts'

// Speech (VAD passes it to whisper, which is where a prompt is read), and a tone VAD skips, for the fuzzing.
const SPEECH = readFileSync(new URL('../fixtures/audio/jfk-16k-s16.wav', import.meta.url)) // 2 s
const WAV = wav(testAudio(1.2))
const LIMITS = { timeout: 300_000 }

interface Answer { status: number, text: string, json: Record<string, unknown> | undefined }

async function answer (res: Response): Promise<Answer> {
  const text = await res.text()
  let json: Record<string, unknown> | undefined
  try { json = JSON.parse(text) as Record<string, unknown> } catch {}
  return { status: res.status, text, json }
}

/** multipart/form-data by hand, so a field can hold any bytes (invalid UTF-8 included). */
function form (fields: Array<[string, Uint8Array | string]>, file: Uint8Array = SPEECH): { body: Buffer, type: string } {
  const boundary = 'earshot-bounds-7d1e'
  const parts: Buffer[] = []
  for (const [name, value] of fields) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`), Buffer.from(value), Buffer.from('\r\n'))
  }
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n`),
    Buffer.from(file), Buffer.from(`\r\n--${boundary}--\r\n`))
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` }
}

/** The invariant of every refusal: the protocol's shape, a short body, no long run of what was sent. */
function assertShortRefusal (a: Answer, shape: 'deepgram' | 'openai', input: string): void {
  assert.ok(a.text.length <= 2048, `a ${a.text.length}-byte error body`)
  const message = shape === 'deepgram' ? a.json?.err_msg : (a.json?.error as { message?: unknown } | undefined)?.message
  assert.equal(typeof message, 'string', a.text.slice(0, 300))
  if (input.length > 64) assert.ok(!(message as string).includes(input.slice(0, 64)), `echoes the input: ${a.text.slice(0, 200)}`)
}

async function stillServing (app: TestApp, key: string): Promise<void> {
  // Ready once the default model has loaded, which a test that never needed it (silence to VAD) may still await.
  await app.waitForLog(/"msg":"default model loaded"/)
  assert.equal((await app.fetch('/health')).status, 200)
  const res = await app.fetch('/v1/listen', { method: 'POST', headers: { authorization: `Token ${key}`, 'content-type': 'audio/wav' }, body: WAV })
  assert.equal(res.status, 200, await res.text())
}

test("the probe's cases: long prompts, keyterms and model names are refused or cut, never crash or stall", LIMITS, async (t) => {
  const app = await build(t)
  const key = await app.createKey()
  const openai = async (fields: Array<[string, string]>): Promise<Answer> => {
    const { body, type } = form(fields)
    return await answer(await app.fetch('/v1/audio/transcriptions', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': type }, body }))
  }
  for (const size of [45_000, 60_000, 1 << 20]) {
    const prompt = 'x'.repeat(size) // no spaces: whisper's own tokenizer recursed once per character
    const a = await openai([['model', 'whisper-1'], ['prompt', prompt]])
    assert.equal(a.status, 400, a.text.slice(0, 200))
    assert.equal((a.json?.error as { param?: string }).param, 'prompt')
    assertShortRefusal(a, 'openai', prompt)
  }
  const model = await openai([['model', 'm'.repeat(1 << 20)]])
  assert.equal(model.status, 400)
  assert.equal((model.json?.error as { param?: string }).param, 'model')
  assertShortRefusal(model, 'openai', 'm'.repeat(1 << 20))

  // the longest prompt accepted costs a decode with a full prompt window: its oldest part is cut, and logged
  const long = await openai([['model', 'whisper-1'], ['prompt', 'y'.repeat(8192)], ['response_format', 'json']])
  assert.equal(long.status, 200, long.text.slice(0, 200))
  assert.match(await app.waitForLog(/"msg":"request adjusted"/), /prompt: \d+ tokens; whisper reads the last 223/)

  const listen = async (query: string): Promise<Answer> => await answer(await app.fetch(`/v1/listen?${query}`, {
    method: 'POST', headers: { authorization: `Token ${key}`, 'content-type': 'audio/wav' }, body: SPEECH
  }))
  const keyterm = listen(`keyterm=${'k'.repeat(15_000)}`)
  const refused = await keyterm
  assert.equal(refused.status, 400)
  assert.match(String(refused.json?.err_msg), /^keyterm is 15000 characters long; at most 8192 are accepted\.$/)
  // Deepgram's own limit, 500 tokens of keyterms, is a 400; under it, terms past whisper's window are a warning
  const terms = (n: number): string => Array.from({ length: n }, (_, i) => `keyterm=term${i}`).join('&')
  assert.match(String((await listen(terms(400))).json?.err_msg), /^keyterm: the terms come to \d+ tokens; at most 500 are accepted\.$/)
  const partly = await listen(terms(40)) // ~8 tokens a term in the generated vocabulary: past 223, under 500
  assert.equal(partly.status, 200, partly.text.slice(0, 200))
  const warnings = (partly.json?.metadata as { warnings?: Array<{ parameter: string, type: string, message: string }> }).warnings ?? []
  assert.ok(warnings.some((w) => w.parameter === 'keyterm' && w.type === 'partial_support' && /the first \d+ of 40 terms are used/.test(w.message)),
    JSON.stringify(warnings))
  // live: the same plan, refused before the upgrade
  const live = await refusal(app, `?keyterm=${'k'.repeat(15_000)}&encoding=linear16&sample_rate=16000`, { headers: { authorization: `Token ${key}` } })
  assert.equal(live.status, 400)
  assert.match(live.body.err_msg, /keyterm is 15000 characters long/)
  await stillServing(app, key)
})

/** Long runs without spaces, repeated multi-byte characters, any code points, and raw bytes that are not UTF-8. */
const pathological = fc.oneof(
  fc.integer({ min: 1, max: 12_000 }).map((n) => Buffer.from('a'.repeat(n))),
  fc.tuple(fc.constantFrom('Ω', '日', '🎙️', '\u202e', '\u0000', '%', ':'), fc.integer({ min: 1, max: 2000 })).map(([c, n]) => Buffer.from(c.repeat(n))),
  fc.string({ unit: 'binary', maxLength: 400 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ minLength: 1, maxLength: 3000 }).map((b) => Buffer.from(b))
)
const percent = (bytes: Buffer): string => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')
/** What every field gets at least once, whatever the random runs pick. */
const EVERY_FIELD = [Buffer.from('a'.repeat(12_000)), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x00]), Buffer.from('\u202e\u0000x'.repeat(500))]

test('every Deepgram query parameter, REST and live, with pathological values', LIMITS, async (t) => {
  const app = await build(t)
  const key = await app.createKey()
  const names = [...new Set([...Object.keys(transcriptParameters), ...Object.keys(restParameters), 'unknown_param'])]
  const check = async (name: string, bytes: Buffer, asName: boolean): Promise<void> => {
    // the value, or (unknown parameters' names are echoed in warnings) the parameter's name itself
    const query = asName ? `${percent(bytes)}=1` : `${name}=${percent(bytes)}`
    const input = bytes.toString('latin1')
    const rest = await answer(await app.fetch(`/v1/listen?${query}`, {
      method: 'POST', headers: { authorization: `Token ${key}`, 'content-type': 'audio/wav' }, body: WAV
    }))
    assert.ok([200, 400, 431].includes(rest.status), `${name}: ${rest.status} ${rest.text.slice(0, 200)}`)
    if (rest.status !== 200) assertShortRefusal(rest, 'deepgram', input)
    if (rest.status === 431) return // the query alone is over the 16 KiB of headers: the same for live
    try {
      const client = await connect(app, `?${query}`, { headers: { authorization: `Token ${key}` } })
      client.sendJson({ type: 'CloseStream' })
      assert.equal((await client.closed).code, 1000)
    } catch (err) {
      assert.match((err as Error).message, /upgrade refused with 400/)
    }
  }
  for (const name of names) for (const bytes of EVERY_FIELD) await check(name, bytes, false)
  await fc.assert(fc.asyncProperty(fc.constantFrom(...names), pathological, fc.boolean(), check), { numRuns: 40 })
  await stillServing(app, key)
})

test('every OpenAI form field with pathological values, as raw multipart bytes', LIMITS, async (t) => {
  const app = await build(t)
  const key = await app.createKey()
  const names = [...Object.keys(transcriptionForm.shape).filter((n) => n !== 'file'), 'unknown_field']
  const check = async (name: string, bytes: Buffer): Promise<void> => {
    const { body, type } = form([['response_format', 'json'], [name, bytes]], WAV)
    const a = await answer(await app.fetch('/v1/audio/transcriptions', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': type }, body }))
    assert.ok([200, 400].includes(a.status), `${name}: ${a.status} ${a.text.slice(0, 200)}`)
    if (a.status === 400) assertShortRefusal(a, 'openai', bytes.toString('latin1'))
  }
  for (const name of names) for (const bytes of [...EVERY_FIELD, Buffer.from('b'.repeat(1 << 20))]) await check(name, bytes)
  await fc.assert(fc.asyncProperty(fc.constantFrom(...names), pathological, check), { numRuns: 40 })
  await stillServing(app, key)
})

test('a live session ignores or refuses oversized text messages and stays usable', LIMITS, async (t) => {
  const app = await build(t)
  const key = await app.createKey()
  const client = await connect(app, '?encoding=linear16&sample_rate=16000', { headers: { authorization: `Token ${key}` } })
  client.sendJson({ type: 'x'.repeat(500_000) }) // another type of message: ignored, logged as its first 64 characters
  client.sendJson({ type: 'KeepAlive', padding: 'y'.repeat(500_000) })
  await client.sendAudio(WAV.subarray(44))
  client.sendJson({ type: 'CloseStream' })
  assert.equal((await client.closed).code, 1000)
  assert.equal(client.messages.at(-1)?.type, 'Metadata')
  assert.ok(!app.logs.some((l) => l.includes('x'.repeat(100))), 'no log line carries the oversized message')
  await stillServing(app, key)
})
