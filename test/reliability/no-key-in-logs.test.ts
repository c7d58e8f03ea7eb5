// The key sent every way auth accepts it (and every way it refuses), through good and bad requests: no log line
// may hold it, raw, percent-encoded or base64.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { build } from '../helpers/build.ts'
import { rawConnection } from '../helpers/raw-http.ts'
import { wsUrl } from '../helpers/deepgram-live-client.ts'

const pctAll = (s: string, upper: boolean): string => [...s].map((c) => `%${c.charCodeAt(0).toString(16)[upper ? 'toUpperCase' : 'toLowerCase']()}`).join('')

/** Every form of `secret` that would give it away. */
function spellings (secret: string): string[] {
  return [secret, secret.slice(8), secret.toUpperCase(), pctAll(secret, false), pctAll(secret, true),
    Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url'), Buffer.from(`Token ${secret}`).toString('base64'),
    Buffer.from(secret, 'hex').toString('base64')]
}

async function upgrade (url: string, headers: Record<string, string> = {}, protocols: string[] = []): Promise<number> {
  const ws = new WebSocket(url, protocols, { headers })
  ws.on('error', () => {})
  return await new Promise((resolve) => {
    ws.once('open', () => { ws.close(); resolve(101) })
    ws.once('unexpected-response', (_req, res) => { res.resume(); resolve(res.statusCode ?? 0) })
  })
}

test('no key in any log line, whichever way it was sent', { timeout: 120_000 }, async (t) => {
  const app = await build(t, { LOG_LEVEL: 'trace', HEADERS_TIMEOUT: '1s', AUTH_FAILURE_LIMIT_MAX: '3' })
  const key = await app.createKey()
  const wrong = 'c0ffee'.repeat(10) + 'beef'
  for (const secret of [key, wrong]) {
    for (const headers of [{ authorization: `Token ${secret}` }, { authorization: `bearer ${secret}` }, { Authorization: `TOKEN  ${secret}` },
      { 'X-API-Token': secret }, { 'api-token': secret }, { 'Sec-WebSocket-Protocol': `token, ${secret}` }, { authorization: `Basic ${secret}` }] as Array<Record<string, string>>) {
      await app.fetch('/v1/auth/key', { headers })
      await app.fetch('/v1/listen', { method: 'POST', headers: { ...headers, 'content-type': 'audio/wav' }, body: 'not audio' })
      await app.fetch('/v1/nowhere', { headers })
    }
    const names = ['token', 'tok%65n', '%74%6f%6b%65%6e', 'TOKEN', 'to%6Ben']
    for (const name of names) {
      for (const value of [secret, pctAll(secret, false), pctAll(secret, true)]) {
        await upgrade(wsUrl(app, `?encoding=linear16&sample_rate=16000&${name}=${value}`))
        await upgrade(wsUrl(app, `?${name}=${value}&${name}=${value}`))
        await app.fetch(`/v1/auth/key?${name}=${value}`)
        await app.fetch(`/v1/listen?model=nope&${name}=${value}`, { method: 'POST', headers: { authorization: `Token ${key}` }, body: 'x' })
      }
    }
    await upgrade(wsUrl(app, '?encoding=linear16&sample_rate=16000'), { authorization: `Token ${secret}` })
    await upgrade(wsUrl(app, '?encoding=linear16&sample_rate=16000'), {}, ['token', secret])
    // Requests the HTTP parser rejects, with the key in them: the raw bytes are never logged.
    for (const raw of [`GET /v1/auth/key?token=${secret} HTTP/1.1\r\nAuthorization: Token ${secret}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      `GET /v1/auth/key HTTP/9\r\nAuthorization: Token ${secret}\r\n\r\n`,
      `GET /v1/listen?token=${secret} HTTP/1.1\r\nAuthorization: Token ${secret}\r\nX-Slow: `]) {
      const { socket, closed } = await rawConnection(app.url)
      socket.write(raw)
      await closed
    }
  }
  assert.ok(app.logs.length > 100, `${app.logs.length} log lines`)
  assert.ok(app.logs.some((l) => l.includes('[REDACTED]')), 'the redacted query is logged')
  for (const secret of [key, wrong]) {
    for (const form of spellings(secret)) {
      const leak = app.logs.find((l) => l.includes(form))
      assert.equal(leak, undefined, `key form ${form.slice(0, 12)}… in: ${leak}`)
    }
  }
})
