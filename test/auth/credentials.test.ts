import { test } from 'node:test'
import assert from 'node:assert/strict'
import { extractCredential, webSocketProtocolToken } from '../../src/auth/credentials.ts'
import { displayPrefix, generateToken, hashToken, parseExpiry } from '../../src/auth/tokens.ts'

test('tokens are 64 hex characters, valid HTTP token characters, hashed with SHA-256', () => {
  const a = generateToken()
  assert.match(a, /^[0-9a-f]{64}$/)
  assert.notEqual(a, generateToken())
  assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  assert.equal(displayPrefix(a), a.slice(0, 8))
})

test('expiry accepts h/d/w/y and never, and rejects anything else', () => {
  const now = new Date('2026-01-01T00:00:00Z')
  assert.equal(parseExpiry('never', now), null)
  assert.equal(parseExpiry('30d', now)?.toISOString(), '2026-01-31T00:00:00.000Z')
  assert.equal(parseExpiry('12h', now)?.toISOString(), '2026-01-01T12:00:00.000Z')
  assert.equal(parseExpiry('1y', now)?.toISOString(), '2027-01-01T00:00:00.000Z')
  for (const bad of ['0d', '30', 'd', '-1d', '1.5d', 'forever', '']) assert.throws(() => parseExpiry(bad, now), /invalid expiry/, bad)
})

test('credential sources, in order, and where each is allowed', () => {
  const plain = { isWebSocketUpgrade: false }
  assert.deepEqual(extractCredential({ ...plain, headers: { authorization: 'Token abc' } }), { kind: 'found', token: 'abc', source: 'authorization' })
  assert.deepEqual(extractCredential({ ...plain, headers: { authorization: 'BEARER abc' } }), { kind: 'found', token: 'abc', source: 'authorization' })
  assert.equal(extractCredential({ ...plain, headers: { authorization: 'Basic abc' } }).kind, 'malformed')
  assert.equal(extractCredential({ ...plain, headers: { authorization: 'Token a b' } }).kind, 'malformed')
  assert.deepEqual(extractCredential({ ...plain, headers: { 'x-api-token': 'abc' } }), { kind: 'found', token: 'abc', source: 'x-api-token' })
  assert.deepEqual(extractCredential({ ...plain, headers: { 'api-token': 'abc' } }), { kind: 'found', token: 'abc', source: 'api-token' })
  assert.deepEqual(extractCredential({ ...plain, headers: {}, queryToken: 'abc' }), { kind: 'missing' })
  assert.deepEqual(extractCredential({ ...plain, headers: { 'sec-websocket-protocol': 'token, abc' } }), { kind: 'missing' })

  const upgrade = { isWebSocketUpgrade: true }
  assert.deepEqual(extractCredential({ ...upgrade, headers: {}, queryToken: 'abc' }), { kind: 'found', token: 'abc', source: 'query' })
  assert.equal(extractCredential({ ...upgrade, headers: {}, queryToken: '' }).kind, 'malformed')
  assert.deepEqual(extractCredential({ ...upgrade, headers: { 'sec-websocket-protocol': 'token, abc' } }), { kind: 'found', token: 'abc', source: 'websocket-protocol' })
  assert.deepEqual(extractCredential({ ...upgrade, headers: { authorization: 'Token h' }, queryToken: 'q' }), { kind: 'found', token: 'h', source: 'authorization' })
})

test('the Sec-WebSocket-Protocol convention is `token, <key>`', () => {
  assert.equal(webSocketProtocolToken('token, k1'), 'k1')
  assert.equal(webSocketProtocolToken('Token,k1'), 'k1')
  assert.equal(webSocketProtocolToken('chat, k1'), undefined)
  assert.equal(webSocketProtocolToken('token'), undefined)
  assert.equal(webSocketProtocolToken(undefined), undefined)
})
