/**
 * Where a client may put its key. Deepgram clients send `Authorization: Token <key>`; OAuth-style tools send
 * `Bearer`; some proxies use `X-API-Token`/`API-Token`. Browsers cannot set headers on a WebSocket, so upgrades
 * may also use `?token=` or `Sec-WebSocket-Protocol: token, <key>`.
 */
export type CredentialResult =
  | { kind: 'found', token: string, source: CredentialSource }
  | { kind: 'missing' }
  | { kind: 'malformed', reason: string }

export type CredentialSource = 'authorization' | 'x-api-token' | 'api-token' | 'query' | 'websocket-protocol'

type HeaderValue = string | string[] | undefined

export interface CredentialInput {
  headers: Record<string, HeaderValue>
  /** The raw query string value of `token`, if any */
  queryToken?: string | undefined
  isWebSocketUpgrade: boolean
}

/** The query parameter a WebSocket upgrade may carry its key in (the name after query decoding). */
export const QUERY_TOKEN_PARAM = 'token'

/** Every header a key may arrive in (lower case, as Node presents them): what logs must never show. */
export const CREDENTIAL_HEADERS = ['authorization', 'x-api-token', 'api-token', 'sec-websocket-protocol'] as const

const first = (v: HeaderValue): string | undefined => (Array.isArray(v) ? v[0] : v)

/** The protocols a browser offered, when it used the `token, <key>` convention. */
export function webSocketProtocolToken (header: HeaderValue): string | undefined {
  const value = first(header)
  if (value === undefined) return undefined
  const parts = value.split(',').map((p) => p.trim())
  return parts.length >= 2 && parts[0]?.toLowerCase() === 'token' && parts[1] !== '' ? parts[1] : undefined
}

export function extractCredential ({ headers, queryToken, isWebSocketUpgrade }: CredentialInput): CredentialResult {
  const authorization = first(headers.authorization)
  if (authorization !== undefined) {
    const match = /^(token|bearer)\s+(\S+)\s*$/i.exec(authorization.trim())
    if (match === null) return { kind: 'malformed', reason: 'unsupported authorization scheme or empty value' }
    return { kind: 'found', token: match[2] as string, source: 'authorization' }
  }
  for (const name of ['x-api-token', 'api-token'] as const) {
    const value = first(headers[name])?.trim()
    if (value === undefined) continue
    if (value === '') return { kind: 'malformed', reason: `empty ${name} header` }
    return { kind: 'found', token: value, source: name }
  }
  if (isWebSocketUpgrade) {
    const fromProtocol = webSocketProtocolToken(headers['sec-websocket-protocol'])
    if (fromProtocol !== undefined) return { kind: 'found', token: fromProtocol, source: 'websocket-protocol' }
    if (queryToken !== undefined) {
      return queryToken === '' ? { kind: 'malformed', reason: 'empty token parameter' } : { kind: 'found', token: queryToken, source: 'query' }
    }
  }
  return { kind: 'missing' }
}
