// Property-based tests (fast-check) for the parsers every request goes through: query, credential headers,
// headerless audio and decode planning.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { extractCredential } from '../../src/auth/credentials.ts'
import { parseQuery } from '../../src/auth/redact.ts'
import { decodeRaw, type RawEncoding } from '../../src/audio/raw.ts'
import { closeAudioDecoder, decodeAudio } from '../../src/audio/decode.ts'
import { AppError } from '../../src/errors.ts'

const tokenChars = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF-_.~'), minLength: 1, maxLength: 80 })
const headerValue = fc.string({ unit: fc.constantFrom(...' \tTokenBearbasic,0123456789abcdef'), maxLength: 40 })

test('query: every key auth reads from ?token= is exactly what was sent, however the URL spells it', () => {
  fc.assert(fc.property(tokenChars, fc.array(fc.tuple(fc.constantFrom('model', 'tag', 'encoding'), tokenChars), { maxLength: 4 }), fc.boolean(),
    (token, others, encode) => {
      const value = encode ? [...token].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('') : token
      const q = [...others.map(([k, v]) => `${k}=${v}`), `token=${value}`].join('&')
      assert.equal(parseQuery(q).token, token)
    }))
})

test('query: the parser never throws and returns only string or string[] values', () => {
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (q) => {
    for (const v of Object.values(parseQuery(q))) assert.ok(typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')))
  }), { numRuns: 2000 })
})

test('headers: every accepted form yields the token, whatever the scheme case and spacing', () => {
  fc.assert(fc.property(tokenChars, fc.constantFrom('Token', 'token', 'TOKEN', 'Bearer', 'bearer', 'BeArEr'), fc.constantFrom(' ', '  ', '\t', ' \t '), fc.constantFrom('', ' ', '\t'),
    (token, scheme, gap, tail) => {
      const found = extractCredential({ headers: { authorization: `${tail}${scheme}${gap}${token}${tail}` }, isWebSocketUpgrade: false })
      assert.deepEqual(found, { kind: 'found', token, source: 'authorization' })
      for (const name of ['x-api-token', 'api-token'] as const) {
        assert.deepEqual(extractCredential({ headers: { [name]: ` ${token} ` }, isWebSocketUpgrade: false }), { kind: 'found', token, source: name })
      }
      assert.deepEqual(extractCredential({ headers: { 'sec-websocket-protocol': `token, ${token}` }, isWebSocketUpgrade: true }),
        { kind: 'found', token, source: 'websocket-protocol' })
    }))
})

test('headers: arbitrary values never throw, and a found token never contains whitespace or is empty', () => {
  fc.assert(fc.property(fc.option(headerValue), fc.option(headerValue), fc.option(headerValue), fc.boolean(), fc.option(fc.string({ maxLength: 20 })),
    (authorization, xApi, protocol, upgrade, queryToken) => {
      const headers: Record<string, string> = {}
      if (authorization !== null) headers.authorization = authorization
      if (xApi !== null) headers['x-api-token'] = xApi
      if (protocol !== null) headers['sec-websocket-protocol'] = protocol
      const result = extractCredential({ headers, queryToken: queryToken ?? undefined, isWebSocketUpgrade: upgrade })
      if (result.kind === 'found') {
        assert.ok(result.token.length > 0)
        if (result.source !== 'query') assert.doesNotMatch(result.token, /^\s|\s$/)
        if (result.source === 'query') assert.ok(upgrade, '?token= only on upgrades')
      }
    }), { numRuns: 3000 })
})

test('raw audio: any bytes decode to whole frames per channel, G.711 and 16-bit within [-1, 1)', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 4000 }), fc.constantFrom<RawEncoding>('linear16', 'linear16be', 'linear32', 'mulaw', 'alaw'), fc.integer({ min: 1, max: 8 }),
    (bytes, encoding, channels) => {
      const bps = encoding === 'linear32' ? 4 : encoding === 'mulaw' || encoding === 'alaw' ? 1 : 2
      const out = decodeRaw(bytes, encoding, channels)
      assert.equal(out.length, channels)
      for (const ch of out) {
        assert.equal(ch.length, Math.floor(bytes.length / (bps * channels)))
        if (encoding !== 'linear32') for (const x of ch) assert.ok(x >= -1 && x < 1, `${encoding} sample ${x}`)
      }
    }), { numRuns: 1000 })
})

test('decode planning: any encoding, sample_rate and channels either decode or give a 4xx AppError', { timeout: 120_000 }, async (t) => {
  t.after(() => closeAudioDecoder())
  await fc.assert(fc.asyncProperty(
    fc.uint8Array({ minLength: 0, maxLength: 2000 }),
    fc.option(fc.constantFrom('linear16', 'linear32', 'mulaw', 'alaw', 'LINEAR16', 'opus', 'flac', 'speex', 'g729', 'pcm', '')),
    fc.option(fc.oneof(fc.integer({ min: -10, max: 400_000 }), fc.constantFrom(Number.NaN, 0.5, 8000, 16000, 48000))),
    fc.option(fc.integer({ min: -2, max: 40 })),
    async (bytes, encoding, sampleRate, channels) => {
      try {
        const decoded = await decodeAudio(bytes, {
          ...(encoding === null ? {} : { encoding }),
          ...(sampleRate === null ? {} : { sampleRate }),
          ...(channels === null ? {} : { channels }),
          maxSeconds: 60
        })
        for (const ch of decoded.channels) for (const x of ch) assert.ok(Number.isFinite(x) || Number.isNaN(x))
      } catch (err) {
        assert.ok(err instanceof AppError, `not an AppError: ${String(err)}`)
        assert.ok(err.statusCode >= 400 && err.statusCode < 500, `${err.statusCode} ${err.message}`)
      }
    }), { numRuns: 150 })
})
