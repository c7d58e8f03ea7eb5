// Issue #8, item 2, checked against Deepgram's own specs (copies in test/fixtures/deepgram/, see the README there):
// every query parameter of POST /v1/listen (OpenAPI) and of the live /v1/listen channel (AsyncAPI) is declared in
// /docs/json and accepted by a real request; implemented ones work silently, the others are named in
// metadata.warnings (REST) or the "accepted and ignored" log line (live).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { build, type TestApp } from '../../helpers/build.ts'
import { startReceiver } from '../../helpers/callback-receiver.ts'
import { assertListenV1Response } from '../../helpers/deepgram-schema.ts'
import { fixture, jfkSpeech16k } from '../../helpers/live-audio.ts'
import { connect } from '../../helpers/deepgram-live-client.ts'

interface Schema {
  $ref?: string
  type?: string
  enum?: unknown[]
  oneOf?: Schema[]
  anyOf?: Schema[]
  items?: Schema
  default?: unknown
  example?: unknown
}
interface Parameter { $ref?: string, name: string, in: string, schema?: Schema }
interface Spec { components?: { parameters?: Record<string, Parameter>, schemas?: Record<string, Schema> } }

const spec = (name: string): Spec & Record<string, any> =>
  parse(readFileSync(new URL(`../../fixtures/deepgram/${name}`, import.meta.url), 'utf8'))
const openapi = spec('deepgram-openapi.yml')
const asyncapi = spec('deepgram-asyncapi.yml')

/** A local `#/components/...` reference, followed until it names no further reference. */
function deref<T extends { $ref?: string }> (doc: Spec, node: T): T {
  let out = node
  for (let hops = 0; out.$ref !== undefined; hops++) {
    assert.ok(hops < 20 && out.$ref.startsWith('#/'), `unresolvable $ref ${out.$ref}`)
    const target = out.$ref.slice(2).split('/').reduce<any>((at, key) => at?.[key], doc)
    assert.ok(target !== undefined, `dangling $ref ${out.$ref}`)
    // keywords written beside the $ref (a `default` next to it) stay
    const { $ref: _, ...beside } = out
    out = { ...target, ...beside }
  }
  return out
}

/** Every schema a parameter's value may take: oneOf/anyOf branches, arrays as their items (a repeated parameter). */
function variants (doc: Spec, schema: Schema): Schema[] {
  const s = deref(doc, schema)
  const branches = s.oneOf ?? s.anyOf
  if (branches !== undefined) return branches.flatMap((b) => variants(doc, b))
  if (s.type === 'array' && s.items !== undefined) return variants(doc, s.items)
  return [s]
}

const isBooleanEnum = (values: unknown[]): boolean => values.length === 2 && values.includes('true') && values.includes('false')

/**
 * A valid value from the spec: the first value of an enum, an example, `true` for a boolean (its default, false,
 * asks for nothing and would prove nothing), the default, else one of the declared type (any text when untyped).
 */
function specValue (doc: Spec, schema: Schema): string | undefined {
  const s = deref(doc, schema)
  const all = variants(doc, s)
  const enumerated = all.find((v) => v.enum !== undefined && !isBooleanEnum(v.enum))
  if (enumerated?.enum !== undefined) return String(enumerated.enum[0])
  const example = s.example ?? all.find((v) => v.example !== undefined)?.example
  if (example !== undefined) return String(example)
  const booleanLike = all.some((v) => v.type === 'boolean' || (v.enum !== undefined && isBooleanEnum(v.enum))) ||
    s.default === false || s.default === 'false'
  if (booleanLike) return 'true'
  if (s.default !== undefined) return String(s.default)
  const typed = all.find((v) => v.type !== undefined)?.type
  if (typed === 'string') return 'earshot'
  if (typed === 'number' || typed === 'integer') return '1'
  // AsyncAPI's "Any type" (no type at all): any text is valid
  return typed === undefined ? 'earshot' : undefined
}

/** POST /v1/listen's query parameters (parameter $refs followed into components/parameters). */
function restParameters (): Map<string, Schema> {
  const operation = openapi.paths['/v1/listen'].post as { parameters: Parameter[] }
  const out = new Map<string, Schema>()
  for (const p of operation.parameters.map((p) => deref(openapi, p))) {
    if (p.in === 'query') out.set(p.name, p.schema ?? {})
  }
  return out
}

/** The live channel's query parameters: AsyncAPI 2.x declares them as the ws binding's `query` object schema. */
function liveParameters (): Map<string, Schema> {
  const query = deref(asyncapi, asyncapi.channels['/v1/listen'].bindings.ws.query as Schema & { properties: Record<string, Schema> })
  return new Map(Object.entries(query.properties))
}

const REST = restParameters()
const LIVE = liveParameters()

/** Values the spec cannot give: numbers it leaves untyped, and values that must be a real thing. */
function valueFor (doc: Spec, name: string, schema: Schema, callbackUrl: string): string {
  const own: Record<string, string> = { callback: callbackUrl, extra: 'source:spec', sample_rate: '16000', utterance_end_ms: '1000' }
  const value = own[name] ?? specValue(doc, schema)
  assert.ok(value !== undefined, `no value for ${name}: ${JSON.stringify(deref(doc, schema))}`)
  return value
}

/** What earshot accepts without doing: REST names these in metadata.warnings (filler_words: whisper writes none). */
const REST_WARNED = ['custom_intent', 'custom_intent_mode', 'custom_topic', 'custom_topic_mode', 'detect_entities', 'filler_words', 'intents', 'sentiment', 'summarize', 'topics']
/** ...and live logs these as ignored (callbacks are REST jobs; live mixes channels to mono). */
const LIVE_IGNORED = ['callback', 'callback_method', 'detect_entities', 'multichannel']

test('the fixtures are the specs: both list the parameters Deepgram documents for /v1/listen', () => {
  // guards the collection itself: a spec layout the parser misread would make every check below vacuous
  assert.ok(REST.size >= 35, `REST: ${[...REST.keys()].join()}`)
  assert.ok(LIVE.size >= 29, `live: ${[...LIVE.keys()].join()}`)
  for (const name of ['model', 'language', 'smart_format', 'redact', 'callback', 'summarize']) assert.ok(REST.has(name), name)
  for (const name of ['model', 'interim_results', 'endpointing', 'utterance_end_ms', 'vad_events', 'sample_rate']) assert.ok(LIVE.has(name), name)
  assert.equal(specValue(openapi, REST.get('model') as Schema), 'nova-3', 'enum through oneOf and $ref')
  assert.equal(specValue(openapi, REST.get('redact') as Schema), 'pci', 'enum of an array branch')
  assert.equal(specValue(openapi, REST.get('utt_split') as Schema), '0.8', 'default')
  assert.equal(specValue(asyncapi, LIVE.get('mip_opt_out') as Schema), 'true', 'untyped with a boolean default')
})

test('/docs/json declares every spec parameter: REST on POST /v1/listen, live on GET /v1/listen', async (t) => {
  const app = await build(t)
  const doc = await (await app.fetch('/docs/json')).json() as { paths: Record<string, Record<string, { parameters?: Parameter[] }>> }
  const declared = (method: string): Set<string> =>
    new Set((doc.paths['/v1/listen']?.[method]?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name))
  const post = declared('post')
  const get = declared('get')
  assert.deepEqual([...REST.keys()].filter((n) => !post.has(n)), [], 'spec parameters missing from POST /v1/listen')
  assert.deepEqual([...LIVE.keys()].filter((n) => !get.has(n)), [], 'spec parameters missing from GET /v1/listen')
})

async function listen (app: TestApp, key: string, query: URLSearchParams): Promise<Response> {
  return await app.fetch(`/v1/listen?${query}`, {
    method: 'POST', headers: { authorization: `Token ${key}`, 'content-type': 'audio/wav' }, body: fixture('jfk-16k-s16.wav')
  })
}

test('REST: each spec parameter with a spec value gets a ListenV1Response; only the unsupported are warned about', async (t) => {
  const app = await build(t, { ALLOW_PRIVATE_URLS: 'true' })
  const key = await app.createKey()
  const receiver = await startReceiver(t)
  for (const [name, schema] of REST) {
    const value = valueFor(openapi, name, schema, receiver.url)
    const res = await listen(app, key, new URLSearchParams({ [name]: value }))
    const what = `${name}=${value}`
    assert.equal(res.status, 200, `${what}: ${await res.clone().text()}`)
    let body = await res.json() as { request_id?: string, metadata?: { warnings?: Array<{ parameter: string }> } }
    if (name === 'callback') {
      // queued: the Deepgram response is what the callback URL receives
      assert.deepEqual(Object.keys(body), ['request_id'], what)
      body = (await receiver.waitFor(1))[0]?.body as typeof body
    }
    assertListenV1Response(body)
    const warned = (body.metadata?.warnings ?? []).map((w) => w.parameter)
    assert.deepEqual(warned, REST_WARNED.includes(name) ? [name] : [], what)
  }
})

test('live: each spec parameter with a spec value opens a session that transcribes; only the unsupported are logged as ignored', async (t) => {
  const app = await build(t)
  const key = await app.createKey()
  const audio = jfkSpeech16k()
  for (const [name, schema] of LIVE) {
    const value = valueFor(asyncapi, name, schema, 'https://example.com/hook')
    // the audio is headerless s16le at 16 kHz; a parameter under test takes its spec value instead
    const query = new URLSearchParams({ encoding: 'linear16', sample_rate: '16000', [name]: value })
    const what = `${name}=${value}`
    const client = await connect(app, `?${query}`, { headers: { authorization: `Token ${key}` } })
    await client.sendAudio(audio)
    client.sendJson({ type: 'CloseStream' })
    assert.deepEqual(await client.closed, { code: 1000, reason: '' }, what)
    assert.deepEqual(client.problems, [], what)
    assert.ok(client.results().length > 0, `${what}: no Results in ${client.types().join()}`)
    assert.equal(client.types().at(-1), 'Metadata', what)
    // the log line is written before the upgrade is answered
    const requestId = String(client.upgradeHeaders['dg-request-id'])
    const line = app.logs.find((l) => l.includes(requestId) && l.includes('live parameters accepted and ignored'))
    const ignored = line === undefined ? [] : (JSON.parse(line) as { ignored: string[] }).ignored
    assert.deepEqual(ignored, LIVE_IGNORED.includes(name) ? [name] : [], what)
  }
})

/** Every value an enum of the spec allows (booleans aside), per parameter. */
function enumValues (doc: Spec, parameters: Map<string, Schema>): Array<[string, string]> {
  return [...parameters].flatMap(([name, schema]) => variants(doc, schema)
    .flatMap((v) => v.enum !== undefined && !isBooleanEnum(v.enum) ? v.enum.map((x) => [name, String(x)] as [string, string]) : []))
}

/** Spec values refused on purpose, with why (the list must match: a value starting or ceasing to be refused fails). */
const REFUSED: Record<string, string> = {
  // Deepgram's `custom` stands for a custom-trained model's id: no model here is called that (MODEL_ALIASES could name one)
  'live model=custom': 'an unknown model is a 400 listing the installed ones',
  // nothing here decodes these codecs: a clear 400 before the upgrade beats a socket that closes on the first frame
  'live encoding=amr-nb': 'no decoder (src/protocols/deepgram/live/query.ts LIVE_ENCODINGS)',
  'live encoding=amr-wb': 'no decoder',
  'live encoding=speex': 'no decoder',
  'live encoding=g729': 'no decoder'
}

test('every enum value the specs allow is accepted: REST transcribes, live passes the checks before the upgrade', async (t) => {
  const app = await build(t)
  const key = await app.createKey()
  const rest = enumValues(openapi, REST)
  const live = enumValues(asyncapi, LIVE)
  assert.ok(rest.length > 40 && live.length > 40, 'the models alone are about 30')
  const refused: string[] = []
  for (const [name, value] of rest) {
    const res = await listen(app, key, new URLSearchParams({ [name]: value }))
    if (res.status !== 200) refused.push(`REST ${name}=${value}`)
    else assertListenV1Response(await res.json())
  }
  for (const [name, value] of live) {
    // a plain GET runs every check an upgrade would (query schema, plan) and answers the endpoint's limits
    const query = new URLSearchParams({ encoding: 'linear16', sample_rate: '16000', [name]: value })
    const res = await app.fetch(`/v1/listen?${query}`, { headers: { authorization: `Token ${key}` } })
    if (res.status !== 200) {
      assert.equal(res.status, 400, `live ${name}=${value}`)
      refused.push(`live ${name}=${value}`)
    }
    await res.body?.cancel()
  }
  assert.deepEqual(refused.sort(), Object.keys(REFUSED).sort())
})
