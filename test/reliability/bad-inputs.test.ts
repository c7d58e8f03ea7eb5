// Table-driven: every bad input gets a clear 4xx in Deepgram's error shape, and the server keeps serving.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { build, type TestApp } from '../helpers/build.ts'

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/audio/${name}`, import.meta.url))
const WAV = fixture('jfk-16k-s16.wav')
const SHORT = Buffer.concat([WAV.subarray(0, 44), WAV.subarray(44, 44 + 16000)]) // 0.5 s, header says more: decoders take it

interface Case {
  name: string
  status: number
  /** Path and query after /v1/listen, default none */
  query?: string
  body?: Uint8Array | string | ReadableStream<Uint8Array>
  type?: string
  headers?: Record<string, string>
  /** Replaces the default good key header */
  auth?: Record<string, string>
  path?: string
  method?: string
  message?: RegExp
}

function wav (patch: (b: Buffer) => void): Buffer {
  const b = Buffer.from(SHORT)
  patch(b)
  return b
}

const json = (value: unknown): Partial<Case> => ({ body: JSON.stringify(value), type: 'application/json' })
const garbage = (magic: string, offset = 0): Buffer => {
  const b = Buffer.alloc(4000, 0x5a)
  b.write(magic, offset, 'latin1')
  return b
}
function chunked (bytes: number): ReadableStream<Uint8Array> {
  let sent = 0
  return new ReadableStream({
    pull (controller) {
      if (sent >= bytes) return controller.close()
      controller.enqueue(new Uint8Array(16384).fill(1))
      sent += 16384
    }
  })
}

const privateUrls = [
  'http://127.0.0.1/a.wav', 'http://localhost/a.wav', 'http://[::1]/a.wav', 'http://0x7f000001/a.wav', 'http://2130706433/a.wav',
  'http://0177.0.0.1/a.wav', 'http://127.1/a.wav', 'http://[::ffff:127.0.0.1]/a.wav', 'http://[::ffff:7f00:1]/a.wav',
  'http://169.254.169.254/latest/meta-data', 'http://10.0.0.1/a.wav', 'http://172.16.0.1/a.wav', 'http://192.168.1.1/a.wav',
  'http://[fe80::1]/a.wav', 'http://[fc00::1]/a.wav', 'http://0.0.0.0/a.wav', 'http://100.64.0.1/a.wav', 'http://127.0.0.1.nip.io.invalid/a.wav'
]

const CASES: Case[] = [
  // corrupt, truncated and lying containers
  { name: 'empty body', status: 400, body: Buffer.alloc(0), message: /no audio data/ },
  ...[4, 12, 20, 30, 43].map((n) => ({ name: `WAV cut to ${n} bytes`, status: 400, body: WAV.subarray(0, n) })),
  { name: 'WAV with 0 channels', status: 400, body: wav((b) => b.writeUInt16LE(0, 22)) },
  { name: 'WAV with sample rate 0', status: 400, body: wav((b) => b.writeUInt32LE(0, 24)) },
  { name: 'WAV with 7 bits per sample', status: 400, body: wav((b) => b.writeUInt16LE(7, 34)) },
  { name: 'WAV with unknown format tag', status: 400, body: wav((b) => b.writeUInt16LE(0x1234, 20)) },
  { name: 'WAV with a 900 kHz sample rate', status: 400, body: wav((b) => b.writeUInt32LE(900_000, 24)) },
  ...[['RIFF', 0], ['OggS', 0], ['fLaC', 0], ['ID3', 0], ['ftyp', 4], ['\x1a\x45\xdf\xa3', 0], ['FORM', 0], ['caff', 0]]
    .map(([magic, at]) => ({ name: `${JSON.stringify(magic)} magic then garbage`, status: 400, body: garbage(magic as string, at as number) })),
  ...['jfk-44k.mp3', 'jfk-16k.flac', 'jfk-48k-opus.ogg', 'jfk-44k.m4a', 'jfk-48k-mediarecorder.webm'].map((name) =>
    ({ name: `${name} cut to 200 bytes`, status: 400, body: fixture(name).subarray(0, 200) })),
  { name: 'plain text as audio/wav', status: 400, body: 'definitely not audio, just words in a file' },
  { name: 'corrupt m4a that once hung the decoder', status: 400, body: fixture('corrupt-hang.m4a') },
  // wrong types
  { name: 'text/plain', status: 415, body: 'hello', type: 'text/plain' },
  { name: 'application/xml', status: 415, body: '<a/>', type: 'application/xml' },
  { name: 'multipart/form-data', status: 415, body: '--x\r\n\r\n--x--', type: 'multipart/form-data; boundary=x' },
  { name: 'JSON without url', status: 400, ...json({}) },
  { name: 'JSON url is a number', status: 400, ...json({ url: 5 }) },
  { name: 'JSON array', status: 400, ...json([1, 2]) },
  { name: 'JSON string', status: 400, ...json('http://example.com/a.wav') },
  { name: 'malformed JSON', status: 400, body: '{"url": ', type: 'application/json' },
  // bad parameters
  ...['model=no-such-model', 'punctuate=maybe', 'utterances=2', 'utt_split=-1', 'utt_split=abc', 'sample_rate=0&encoding=linear16',
    'sample_rate=abc', 'channels=0', 'channels=99', 'encoding=speex2', 'encoding=linear16', 'encoding=mulaw&sample_rate=1',
    'audio_ctx=9999', 'audio_ctx=-1', 'language=klingon', 'multichannel=perhaps', 'paragraphs=yes please']
    .map((q) => ({ name: `?${q}`, status: 400, query: `?${q}`, body: q.startsWith('encoding') || q.startsWith('sample') ? Buffer.alloc(3200) : SHORT })),
  // bad URLs, private addresses in every spelling
  ...['ftp://example.com/a.wav', 'file:///etc/passwd', 'not a url', 'http://', 'javascript:alert(1)', 'gopher://127.0.0.1:25/']
    .map((url) => ({ name: `url ${url}`, status: 400, ...json({ url }) })),
  ...privateUrls.map((url) => ({ name: `private url ${url}`, status: 400, ...json({ url }) })),
  // oversize (BODY_LIMIT is 64 KiB here, MAX_AUDIO_SECONDS 5)
  { name: 'Content-Length over BODY_LIMIT', status: 413, body: Buffer.alloc(70_000, 1), type: 'application/octet-stream' },
  { name: 'chunked body over BODY_LIMIT', status: 413, body: chunked(200_000), type: 'application/octet-stream' },
  { name: 'raw audio longer than MAX_AUDIO_SECONDS', status: 413, query: '?encoding=linear16&sample_rate=8000', body: Buffer.alloc(8000 * 2 * 6) },
  // bad keys in every header form
  ...[
    { authorization: 'Basic dXNlcjpwYXNz' }, { authorization: 'Token' }, { authorization: 'Token ' }, { authorization: 'Bearer' },
    { authorization: `Token ${'0'.repeat(64)}` }, { authorization: `Bearer ${'f'.repeat(64)}` }, { authorization: 'Token a b' },
    { authorization: `Token ${'a'.repeat(8000)}` }, { 'x-api-token': '' }, { 'x-api-token': 'wrong' }, { 'api-token': 'wrong' },
    { 'sec-websocket-protocol': 'token, wrong' }, {}
  ].map((auth) => ({ name: `key ${JSON.stringify(auth).slice(0, 40)}`, status: 401, auth, body: SHORT })),
  { name: '?token= on plain HTTP', status: 401, auth: {}, query: `?token=${'0'.repeat(64)}`, body: SHORT },
  { name: 'unknown route', status: 404, path: '/v1/lisen', body: SHORT },
  { name: 'wrong method', status: 404, method: 'PUT', body: SHORT }
]

async function send (app: TestApp, key: string, c: Case): Promise<Response> {
  const body = c.body ?? SHORT
  return await app.fetch(`${c.path ?? '/v1/listen'}${c.query ?? ''}`, {
    method: c.method ?? 'POST',
    headers: { 'content-type': c.type ?? 'audio/wav', ...(c.auth ?? { authorization: `Token ${key}` }), ...c.headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {})
  } as RequestInit)
}

test(`${CASES.length} bad inputs: each a clear 4xx in Deepgram's shape, and the server stays up`, async (t) => {
  assert.ok(CASES.length >= 60, `${CASES.length} cases`)
  const app = await build(t, { BODY_LIMIT: '65536', MAX_AUDIO_SECONDS: '5', AUTH_FAILURE_LIMIT_MAX: '10000' })
  const key = await app.createKey()
  for (const c of CASES) {
    await t.test(c.name, async () => {
      const res = await send(app, key, c)
      const text = await res.text()
      assert.equal(res.status, c.status, text)
      const body = JSON.parse(text) as Record<string, unknown>
      assert.equal(typeof body.err_code, 'string')
      assert.equal(typeof body.err_msg, 'string')
      assert.equal(body.request_id, res.headers.get('dg-request-id'))
      if (c.message !== undefined) assert.match(String(body.err_msg), c.message)
    })
  }
  const after = await send(app, key, { name: 'good', status: 200 })
  assert.equal(after.status, 200, await after.text())
  assert.ok(!app.logs.some((l) => /"level":(50|60)/.test(l)), 'no bad input is logged as a server error')
})
