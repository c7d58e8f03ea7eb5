import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { REDACTED, parseQuery, redactHeaders, redactUrl } from '../../src/auth/redact.ts'
import { isSecretParam } from '../../src/auth/redact.ts'

const KEY = '90e4b318'.repeat(8)

test('every spelling the query parser reads as `token` is redacted', () => {
  const spellings = ['token', 'tok%65n', '%74%6F%6B%65%6E', '%74oken', 'TOKEN', 'Token', 'to%6ben', 'access_token', 'api_key', 'x?token']
  for (const name of spellings) {
    for (const url of [`/v1/listen?${name}=${KEY}`, `/v1/listen?a=1&${name}=${KEY}&b=2`, `/v1/listen?${name}=${KEY}&${name}=${KEY}`, `/v1/listen#${name}=${KEY}`]) {
      const redacted = redactUrl(url)
      assert.ok(!redacted.includes(KEY), `${url} -> ${redacted}`)
      assert.ok(redacted.includes(REDACTED))
    }
  }
  assert.equal(parseQuery(`tok%65n=${KEY}`).token, KEY, 'the parser does decode the name, hence the need')
  assert.equal(redactUrl('/v1/listen?model=base&keyterm=earshot&tag=a'), '/v1/listen?model=base&keyterm=earshot&tag=a', 'ordinary parameters are kept')
})

test('credential headers are redacted whatever the case of their name', () => {
  const headers = { Authorization: `Token ${KEY}`, 'X-API-TOKEN': KEY, 'api-token': KEY, 'Sec-WebSocket-Protocol': `token, ${KEY}`, 'content-type': 'audio/wav' }
  const redacted = redactHeaders(headers)
  assert.ok(!JSON.stringify(redacted).includes(KEY))
  assert.equal(redacted['content-type'], 'audio/wav')
})

// Query strings built from the characters that matter to the parser, including percent-encodings of `token`.
const queryPart = fc.constantFrom('t', 'o', 'k', 'e', 'n', 'T', 'K', '%74', '%6f', '%6B', '%65', '%6e', '%', '%2', '+', '=', '&', '#', '?', 'a', '1', KEY.slice(0, 8))
const query = fc.array(queryPart, { maxLength: 40 }).map((parts) => parts.join(''))

test('property: after redaction, no secret-looking parameter the parser sees keeps its value', () => {
  fc.assert(fc.property(query, (q) => {
    const redacted = redactUrl(`/v1/listen?${q}`)
    const before = parseQuery(q)
    const after = parseQuery(redacted.slice('/v1/listen?'.length))
    for (const [name, value] of Object.entries(after)) {
      if (!isSecretParam(name)) continue
      for (const v of [value].flat()) assert.ok(v === REDACTED || v === '', `${q} -> ${redacted}: ${name}=${v}`)
    }
    // Nothing else changes: the same names, and the same values for ordinary ones.
    assert.deepEqual(Object.keys(after).sort(), Object.keys(before).sort())
    for (const name of Object.keys(before)) if (!isSecretParam(name)) assert.deepEqual(after[name], before[name])
  }), { numRuns: 2000 })
})

test('property: any token spelled any way on a query is gone from the logged URL', () => {
  // Each character of "token" and of the key either plain or percent-encoded (either hex case).
  const spell = (text: string) => fc.tuple(...[...text].map((c) => fc.constantFrom(c, `%${c.charCodeAt(0).toString(16)}`, `%${c.charCodeAt(0).toString(16).toUpperCase()}`)))
    .map((chars) => chars.join(''))
  fc.assert(fc.property(spell('token'), spell(KEY.slice(0, 16)), fc.boolean(), (name, value, before) => {
    const q = before ? `model=x&${name}=${value}` : `${name}=${value}&model=x`
    assert.equal(parseQuery(q).token, KEY.slice(0, 16), 'auth would read this key')
    const redacted = redactUrl(`/v1/listen?${q}`)
    assert.ok(!redacted.includes(value), redacted)
    assert.equal(parseQuery(redacted.split('?')[1] ?? '').token, REDACTED)
  }), { numRuns: 500 })
})
