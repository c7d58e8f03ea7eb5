import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { ConfigError, configSchema, defaultWhisperThreads, loadConfig } from '../src/config.ts'

test('defaults: port 7860 and the embedded SQLite file', () => {
  const config = loadConfig({})
  assert.equal(config.PORT, 7860)
  assert.equal(config.DATABASE_PATH, 'data/earshot.db')
  assert.equal(config.ENABLE_TEST_TOKEN_ENDPOINT, false)
  assert.equal(config.TEST_TOKEN_TTL, 3600)
})

test('durations and booleans are parsed; blank values mean unset', () => {
  const config = loadConfig({ TEST_TOKEN_TTL: '15m', RATE_LIMIT_WINDOW: '2h', ENABLE_TEST_TOKEN_ENDPOINT: 'true', PORT: '' })
  assert.equal(config.TEST_TOKEN_TTL, 900)
  assert.equal(config.RATE_LIMIT_WINDOW, 7200)
  assert.equal(config.ENABLE_TEST_TOKEN_ENDPOINT, true)
  assert.equal(config.PORT, 7860)
})

test('one error lists every bad value', () => {
  assert.throws(() => loadConfig({ PORT: '99999', LOG_LEVEL: 'loud', TEST_TOKEN_TTL: 'soon', ENABLE_TEST_TOKEN_ENDPOINT: 'maybe' }), (err: unknown) => {
    assert.ok(err instanceof ConfigError)
    assert.equal(err.problems.length, 4)
    for (const key of ['PORT', 'LOG_LEVEL', 'TEST_TOKEN_TTL', 'ENABLE_TEST_TOKEN_ENDPOINT']) assert.match(err.message, new RegExp(key))
    return true
  })
})

test('SHUTDOWN_DRAIN_DELAY: off by default, a duration, shorter than the grace period', () => {
  assert.equal(loadConfig({}).SHUTDOWN_DRAIN_DELAY, 0)
  assert.equal(loadConfig({ SHUTDOWN_DRAIN_DELAY: '5s', SHUTDOWN_GRACE_SECONDS: '30' }).SHUTDOWN_DRAIN_DELAY, 5)
  assert.throws(() => loadConfig({ SHUTDOWN_DRAIN_DELAY: '10s' }), /SHUTDOWN_DRAIN_DELAY: must be less than SHUTDOWN_GRACE_SECONDS \(10s\)/)
})

test('.env.example lists every setting and nothing else', () => {
  const listed = readFileSync(new URL('../.env.example', import.meta.url), 'utf8')
    .split('\n').map((l) => /^#?\s*([A-Z][A-Z0-9_]+)=/.exec(l)?.[1]).filter((k) => k !== undefined)
  assert.deepEqual([...new Set(listed)].sort(), Object.keys(configSchema.shape).sort())
})

test('MODEL_ALIASES: rules parsed once, a malformed one named in the start-up error', () => {
  assert.deepEqual(loadConfig({}).MODEL_ALIASES, [])
  assert.deepEqual(loadConfig({ MODEL_ALIASES: 'nova-3=small.en, My-App-*=large-v3|default' }).MODEL_ALIASES, [
    { pattern: 'nova-3', targets: ['small.en'] },
    { pattern: 'my-app-*', targets: ['large-v3', 'default'] }
  ])
  assert.throws(() => loadConfig({ MODEL_ALIASES: 'nova-3=base,oops' }), /MODEL_ALIASES: .*'oops'/)
})

test('VAD: on by default with Silero\'s settings; thresholds are checked against each other', () => {
  const config = loadConfig({})
  assert.deepEqual([config.VAD, config.VAD_THRESHOLD, config.VAD_NEG_THRESHOLD, config.VAD_MIN_SPEECH_MS, config.VAD_MIN_SILENCE_MS, config.VAD_SPEECH_PAD_MS, config.VAD_MIN_SNR_DB],
    [true, 0.5, undefined, 250, 100, 30, 0])
  assert.equal(loadConfig({ VAD_MIN_SNR_DB: '4' }).VAD_MIN_SNR_DB, 4)
  assert.throws(() => loadConfig({ VAD_MIN_SNR_DB: '-3' }), /VAD_MIN_SNR_DB/)
  assert.equal(loadConfig({ VAD: 'false', VAD_THRESHOLD: '0.6', VAD_NEG_THRESHOLD: '0.4' }).VAD, false)
  assert.throws(() => loadConfig({ VAD_THRESHOLD: '0.4', VAD_NEG_THRESHOLD: '0.5' }), /VAD_NEG_THRESHOLD: must not exceed VAD_THRESHOLD/)
  assert.throws(() => loadConfig({ VAD_THRESHOLD: '1.5' }), /VAD_THRESHOLD/)
  // Silero's 8 kHz branch for files is gone (docs/decisions/005-8khz-branch.md): the old key is no setting any more
  assert.equal('VAD_FILE_RATE' in loadConfig({ VAD_FILE_RATE: '8000' }), false)
})

test('WHISPER_THREADS defaults to the cores shared among the concurrent decodes, 1 to 4; a set value wins', () => {
  assert.equal(defaultWhisperThreads(1, 2), 2)
  assert.equal(defaultWhisperThreads(2, 2), 1)
  assert.equal(defaultWhisperThreads(4, 2), 1) // oversubscribed by concurrency: WHISPER_SPIN_YIELD softens it
  assert.equal(defaultWhisperThreads(2, 16), 4) // whisper.cpp's own cap
  assert.equal(defaultWhisperThreads(3, 8), 2)
  assert.equal(loadConfig({ ENGINE_CONCURRENCY: '1' }).WHISPER_THREADS, defaultWhisperThreads(1))
  assert.equal(loadConfig({ ENGINE_CONCURRENCY: '2', WHISPER_THREADS: '3' }).WHISPER_THREADS, 3)
  assert.equal(loadConfig({}).WHISPER_SPIN_YIELD, 256)
})
