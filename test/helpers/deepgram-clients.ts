/**
 * What the Deepgram SDK tests (v4 and v5) share: a server where Deepgram model names resolve to two installed
 * models, the wide parameter sets a client integration passes, and the checks that each parameter did what Deepgram
 * documents on the synthetic model's fixed phrase ("Hello world, this is a synthetic whisper model. …").
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { build, tempDir, type TestApp } from './build.ts'
import { assertListenV1Response } from './deepgram-schema.ts'
import { installTestModel, TEST_PHRASE } from './models.ts'
import { schemaViolation, type Message } from '../helpers/deepgram-live-client.ts'

/** A server whose MODELS_DIR holds the synthetic model as DEFAULT_MODEL `small-test` and as whisper `base`. */
export async function aliasServer (t: TestContext, env: Record<string, string> = {}): Promise<{ app: TestApp, key: string }> {
  const models = join(tempDir(t), 'models')
  installTestModel(models, 'small-test')
  installTestModel(models, 'small-test', 'base')
  const app = await build(t, { MODELS_DIR: models, ...env })
  return { app, key: await app.createKey() }
}

/** Deepgram names and what runs for them on aliasServer: nova-* is DEFAULT_MODEL, whisper-base the installed `base`. */
export const MODELS: ReadonlyArray<readonly [string, string]> = [['nova-3', 'small-test'], ['nova-2-general', 'small-test'], ['whisper-base', 'base']]

/**
 * Vocabulary hints as Deepgram takes them: `keyterm` on nova-3, `keywords` on the others (the SDKs refuse the other
 * way round: v4 keyterm without nova-3, v5 keywords with it).
 */
export const vocabularyFor = (model: string): { keyterm?: string[], keywords?: string[] } =>
  model.startsWith('nova-3') ? { keyterm: ['Americans'] } : { keywords: ['whisper:2'] }

/** Parameters that change the transcript, REST and live alike. */
const TEXT = {
  language: 'en',
  smart_format: true,
  punctuate: true,
  diarize: true,
  numerals: true,
  profanity_filter: true,
  search: ['hello'],
  replace: ['world:earth'],
  filler_words: true,
  tag: ['sdk']
}

/** Most of the REST parameters the SDKs know. */
export const REST_PARAMETERS = {
  ...TEXT,
  search: ['hello', 'synthetic model'],
  redact: 'pci',
  utterances: true,
  paragraphs: true,
  measurements: true,
  dictation: false,
  extra: ['team:ci']
}

/** Live parameters, typed as SDK v4 takes them (v5 takes the same as strings: liveStrings). */
export const LIVE_PARAMETERS = {
  ...TEXT,
  redact: ['pci', 'ssn'],
  encoding: 'linear16',
  sample_rate: 16000,
  channels: 1,
  interim_results: true,
  vad_events: true,
  utterance_end_ms: 1000,
  endpointing: 300
}

/** Query values as SDK v5's generated types want them: strings (arrays stay arrays of strings). */
export function liveStrings (params: Record<string, unknown>): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]))
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

/** A Deepgram ListenV1Response from the model `ran`, with REST_PARAMETERS applied. */
export function assertRestReply (result: unknown, ran: string, label: string): void {
  assertListenV1Response(result)
  const reply = result as Reply
  assert.equal(reply.metadata.model_info[reply.metadata.models[0] as string]?.name, ran, label)
  const channel = reply.results.channels[0]
  const alternative = channel?.alternatives[0]
  assert.match(alternative?.transcript ?? '', /^Hello earth, this is a synthetic whisper model\./, label)
  assert.deepEqual(channel?.search?.map((s) => [s.query, s.hits.length > 0]), [['hello', true], ['synthetic model', true]], label)
  assert.ok(alternative?.words.every((w) => w.speaker === 0 && typeof w.speaker_confidence === 'number'), `${label}: diarize`)
  assert.ok(alternative?.paragraphs !== undefined, `${label}: paragraphs`)
  assert.ok((reply.results.utterances?.length ?? 0) > 0, `${label}: utterances`)
  assert.deepEqual(reply.metadata.tags, ['sdk'], label)
  assert.deepEqual(reply.metadata.extra, { team: 'ci' }, label)
  assert.ok(reply.metadata.warnings?.some((w) => w.parameter === 'filler_words'), `${label}: filler_words warning`)
}

/**
 * One live session as Deepgram documents it (speech, then a pause, then CloseStream), from the model `ran`, with
 * LIVE_PARAMETERS applied.
 */
export function assertLiveSession (messages: Message[], closeCode: number, ran: string, label: string): void {
  assert.equal(closeCode, 1000, label)
  assert.deepEqual(messages.map(schemaViolation).filter((v) => v !== undefined), [], label)
  const finals = messages.filter((m) => m.type === 'Results' && m.is_final === true)
  assert.equal(finals.length, 1, `${label}: ${messages.map((m) => m.type).join()}`)
  const final = finals[0] as Message
  assert.equal(final.speech_final, true, label)
  assert.equal(final.metadata?.model_info.name, ran, label)
  const alternative = (final.channel as { alternatives: Array<{ transcript: string, words: Array<{ speaker?: number }> }> }).alternatives[0]
  assert.equal(alternative?.transcript, TEST_PHRASE.replace('world', 'earth'), label)
  assert.ok(alternative?.words.every((w) => w.speaker === 0), `${label}: diarize`)
  assert.ok(messages.some((m) => m.type === 'SpeechStarted'), label)
  assert.ok(messages.some((m) => m.type === 'UtteranceEnd'), label)
  const metadata = messages.at(-1) as Message & { model_info: Record<string, { name: string }>, tags?: string[] }
  assert.equal(metadata.type, 'Metadata', label)
  assert.deepEqual(Object.values(metadata.model_info).map((m) => m.name), [ran], label)
  assert.deepEqual(metadata.tags, ['sdk'], label)
}
