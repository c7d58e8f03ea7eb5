import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { REDACTED, parseQuery, redactHeaders, redactUrl } from '../../src/auth/redact.ts'
import { isSecretParam } from '../../src/auth/redact.ts'
import { fullyDecoded } from '../helpers/spellings.ts'

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

/** Every character percent-encoded, in the given hex case. */
const encodeAll = (text: string, upper: boolean): string =>
  [...Buffer.from(text)].map((b) => `%${upper ? b.toString(16).toUpperCase() : b.toString(16)}`).join('')

test('a callback URL is logged as scheme, host and path: its userinfo and query values are gone in every spelling', () => {
  const [user, pass, sig] = ['hook-user', 'Pa55w0rd-1', 'c2lnbmF0dXJl']
  const hook = `https://${user}:${pass}@example.com:8443/hooks/earshot?sig=${sig}&id=${sig}X#${sig}Y`
  const shown = 'https://[REDACTED]@example.com:8443/hooks/earshot?sig=[REDACTED]%26id=[REDACTED]%23[REDACTED]'
  for (const value of [encodeURIComponent(hook), encodeAll(hook, true), encodeAll(hook, false)]) {
    for (const name of ['callback', 'callb%61ck', '%63allback']) {
      const url = `/v1/listen?model=base&${name}=${value}&callback_method=put&tag=a`
      assert.equal(parseQuery(url.split('?')[1] ?? '').callback, hook, 'the server reads this URL')
      const redacted = redactUrl(url)
      assert.equal(redacted, `/v1/listen?model=base&${name}=${shown}&callback_method=put&tag=a`)
      for (const secret of [user, pass, sig]) assert.ok(!fullyDecoded(redacted).includes(secret), `${url} -> ${redacted}`)
      const logged = parseQuery(redacted.slice(redacted.indexOf('?') + 1))
      assert.deepEqual([logged.model, logged.callback, logged.callback_method], ['base', shown.replace('%26', '&').replace('%23', '#'), 'put'],
        'the value still parses as one parameter')
    }
  }
  // unencoded, as a client may send it (its own query then has a single parameter)
  assert.equal(redactUrl(`/v1/listen?callback=https://${user}:${pass}@example.com/h?sig=${sig}`),
    '/v1/listen?callback=https://[REDACTED]@example.com/h?sig=[REDACTED]')
  assert.equal(redactUrl('/v1/listen?callback=https://example.com/hooks/1'), '/v1/listen?callback=https://example.com/hooks/1', 'nothing to hide')
  assert.equal(redactUrl(`/v1/listen?callback=https://example.com/h?${sig}`), '/v1/listen?callback=https://example.com/h?[REDACTED]',
    'a bare query item may be the secret itself')
  for (const odd of [`ftp://${user}:${pass}@example.com/`, `${user}:${pass}@example.com/h`, 'not a url']) {
    assert.equal(redactUrl(`/v1/listen?callback=${encodeURIComponent(odd)}`), '/v1/listen?callback=[REDACTED]', odd)
  }
})

test('property: no spelling of a callback URL\'s password or query value survives redaction', () => {
  const secretChars = fc.constantFrom(...'abcXYZ019-._~'.split(''))
  const spelledSecret = fc.array(fc.tuple(secretChars, fc.integer({ min: 0, max: 2 })), { minLength: 10, maxLength: 20 })
  // the secret in plain text, and as the client spells it inside its own URL (any character percent-encoded)
  const spell = (parts: Array<[string, number]>): [string, string] => [parts.map(([c]) => c).join(''),
    parts.map(([c, how]) => how === 0 ? c : encodeAll(c, how === 1)).join('')]
  fc.assert(fc.property(spelledSecret, spelledSecret, fc.integer({ min: 0, max: 2 }), (p, s, outer) => {
    const [pass, passSpelled] = spell(p)
    const [sig, sigSpelled] = spell(s)
    const hook = `https://u:${passSpelled}@example.com/h?sig=${sigSpelled}&x=1`
    const value = outer === 0 ? encodeURIComponent(hook) : encodeAll(hook, outer === 1)
    const redacted = redactUrl(`/v1/listen?callback=${value}`)
    for (const secret of [pass, sig]) assert.ok(!fullyDecoded(redacted).includes(secret), `${hook} -> ${redacted}`)
    assert.equal(parseQuery(redacted.slice(redacted.indexOf('?') + 1)).callback, 'https://[REDACTED]@example.com/h?sig=[REDACTED]&x=[REDACTED]')
  }), { numRuns: 500 })
})
