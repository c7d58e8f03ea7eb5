// OpenAI's audio API shapes, checked field by field against the openai SDK's reference types (openai@6,
// resources/audio/transcriptions.d.ts and translations.d.ts, generated from OpenAI's OpenAPI spec), plus the test
// client and a WAV writer for test audio.
import assert from 'node:assert/strict'
import OpenAI from 'openai'
import type { TestApp } from './build.ts'

/** The official SDK pointed at the test server the way a user would: base URL …/v1, an earshot key as API key. */
export function openAiClient (app: TestApp, key: string): OpenAI {
  return new OpenAI({ apiKey: key, baseURL: `${app.url}/v1`, maxRetries: 0 })
}

/** 16 kHz mono 16-bit PCM WAV of the given samples. */
export function wav (pcm: Float32Array, rate = 16000): Buffer {
  const data = Buffer.alloc(pcm.length * 2)
  for (let i = 0; i < pcm.length; i++) data.writeInt16LE(Math.round(Math.max(-1, Math.min(1, pcm[i] ?? 0)) * 32767), i * 2)
  const header = Buffer.alloc(44)
  header.write('RIFF', 0, 'ascii')
  header.writeUInt32LE(36 + data.length, 4)
  header.write('WAVEfmt ', 8, 'ascii')
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(1, 20)
  header.writeUInt16LE(1, 22)
  header.writeUInt32LE(rate, 24)
  header.writeUInt32LE(rate * 2, 28)
  header.writeUInt16LE(2, 32)
  header.writeUInt16LE(16, 34)
  header.write('data', 36, 'ascii')
  header.writeUInt32LE(data.length, 40)
  return Buffer.concat([header, data])
}

const keys = (o: object): string[] => Object.keys(o).sort()
const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x)

/** Transcription (response_format json): text, optional logprobs, usage (whisper-1 reports duration usage). */
export function assertTranscription (body: unknown, opts: { logprobs?: boolean } = {}): asserts body is { text: string, usage: { type: 'duration', seconds: number } } {
  const b = body as Record<string, unknown>
  assert.deepEqual(keys(b), opts.logprobs === true ? ['logprobs', 'text', 'usage'] : ['text', 'usage'])
  assert.equal(typeof b.text, 'string')
  assertDurationUsage(b.usage)
  if (opts.logprobs === true) {
    assert.ok(Array.isArray(b.logprobs) && b.logprobs.length > 0)
    for (const lp of b.logprobs as Array<Record<string, unknown>>) assertLogprob(lp)
  }
}

export function assertLogprob (lp: Record<string, unknown>): void {
  assert.deepEqual(keys(lp), ['bytes', 'logprob', 'token'])
  assert.equal(typeof lp.token, 'string')
  assert.ok(Array.isArray(lp.bytes) && lp.bytes.every((x) => Number.isInteger(x) && x >= 0 && x < 256))
  assert.deepEqual(Buffer.from(lp.bytes as number[]).toString('utf8'), lp.token)
  assert.ok(isNumber(lp.logprob) && lp.logprob <= 0)
}

export function assertDurationUsage (usage: unknown): void {
  const u = usage as Record<string, unknown>
  assert.deepEqual(keys(u), ['seconds', 'type'])
  assert.equal(u.type, 'duration')
  assert.ok(Number.isInteger(u.seconds) && (u.seconds as number) >= 0)
}

/** TranscriptionSegment: every field a strict client (pydantic, serde) requires, with its type. */
export function assertSegment (s: Record<string, unknown>, index: number, duration: number): void {
  assert.deepEqual(keys(s), ['avg_logprob', 'compression_ratio', 'end', 'id', 'no_speech_prob', 'seek', 'start', 'temperature', 'text', 'tokens'])
  assert.equal(s.id, index)
  assert.ok(Number.isInteger(s.seek) && (s.seek as number) >= 0)
  assert.ok(isNumber(s.start) && isNumber(s.end) && s.start >= 0 && s.end >= s.start && s.end <= duration + 1e-6, JSON.stringify(s))
  assert.equal(typeof s.text, 'string')
  assert.ok(Array.isArray(s.tokens) && s.tokens.every((t) => Number.isInteger(t)))
  assert.ok(isNumber(s.temperature) && s.temperature >= 0 && s.temperature <= 1)
  assert.ok(isNumber(s.avg_logprob) && s.avg_logprob <= 0)
  assert.ok(isNumber(s.compression_ratio) && s.compression_ratio >= 0)
  assert.ok(isNumber(s.no_speech_prob) && s.no_speech_prob >= 0 && s.no_speech_prob <= 1)
}

export interface Verbose {
  task: string
  language: string
  duration: number
  text: string
  segments?: Array<Record<string, unknown>>
  words?: Array<{ word: string, start: number, end: number }>
  usage: { type: string, seconds: number }
}

/** TranscriptionVerbose / TranslationVerbose, plus the `task` OpenAI's replies carry. */
export function assertVerbose (body: unknown, expect: { task: 'transcribe' | 'translate', segments: boolean, words: boolean }): asserts body is Verbose {
  const b = body as Record<string, unknown>
  const expected = ['duration', 'language', 'task', 'text', 'usage', ...(expect.segments ? ['segments'] : []), ...(expect.words ? ['words'] : [])]
  assert.deepEqual(keys(b), expected.sort())
  assert.equal(b.task, expect.task)
  assert.match(b.language as string, /^[a-z][a-z ]+$/, 'a full lower-case English name, not a code')
  assert.ok(isNumber(b.duration) && b.duration > 0)
  assert.equal(typeof b.text, 'string')
  assertDurationUsage(b.usage)
  if (expect.segments) {
    const segments = b.segments as Array<Record<string, unknown>>
    assert.ok(segments.length > 0)
    segments.forEach((s, i) => { assertSegment(s, i, b.duration as number) })
  }
  if (expect.words) {
    const words = b.words as Array<Record<string, unknown>>
    assert.ok(words.length > 0)
    let previous = 0
    for (const w of words) {
      assert.deepEqual(keys(w), ['end', 'start', 'word'])
      assert.ok(typeof w.word === 'string' && w.word !== '' && !/^\s|\s$/.test(w.word))
      assert.ok(isNumber(w.start) && isNumber(w.end) && w.start >= previous - 1e-6 && w.end >= w.start && w.end <= (b.duration as number) + 1e-6)
      previous = w.start
    }
  }
}

/** OpenAI's error body: exactly {error: {message, type, param, code}}. */
export function assertOpenAiError (body: unknown, expect: { type?: string, param?: string | null, code?: string | null, message?: RegExp } = {}): void {
  const b = body as { error: Record<string, unknown> }
  assert.deepEqual(keys(b), ['error'])
  assert.deepEqual(keys(b.error), ['code', 'message', 'param', 'type'])
  assert.ok(typeof b.error.message === 'string' && b.error.message !== '')
  assert.equal(typeof b.error.type, 'string')
  assert.ok(b.error.param === null || typeof b.error.param === 'string')
  assert.ok(b.error.code === null || typeof b.error.code === 'string')
  if (expect.type !== undefined) assert.equal(b.error.type, expect.type)
  if (expect.param !== undefined) assert.equal(b.error.param, expect.param)
  if (expect.code !== undefined) assert.equal(b.error.code, expect.code)
  if (expect.message !== undefined) assert.match(b.error.message as string, expect.message)
}

/**
 * Server settings for tests that send synthetic tones (testAudio) to check OpenAI's shapes: Silero rightly finds no
 * speech in a tone, so VAD is off (VAD on these routes: test/routes/listen-vad.test.ts).
 */
export const TONES = { VAD: 'false' }
