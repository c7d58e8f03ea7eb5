/**
 * Keeping keys out of logs. Redaction must see a request exactly as authentication does, so both use the same
 * query parser: a name is matched after decoding (`tok%65n`, `+`, repeated parameters), never by its raw spelling.
 * The same goes for the client's own secrets in a URL it gives us (Deepgram's `callback`).
 */
import { parse } from 'fast-querystring'
import { CREDENTIAL_HEADERS } from './credentials.ts'

export const REDACTED = '[REDACTED]'

/** The server's query string parser (given to Fastify, so what auth reads is what this module redacts). */
export function parseQuery (query: string): Record<string, string | string[]> {
  return query.length === 0 ? {} : parse(query) as Record<string, string | string[]>
}

/**
 * Parameter names (after decoding) whose values are never logged: `token`, the one auth accepts, in any case or
 * padding, and anything else that looks like a secret a client might send (`api_key`, `access_token`, …).
 */
const SECRET_NAME = /token|secret|passw|auth|signature|apikey|(^|[^a-z])key($|[^a-z])/i

export const isSecretParam = (decodedName: string): boolean => SECRET_NAME.test(decodedName)

/**
 * Parameters (after decoding) whose value is a URL of the client's: Deepgram's `callback`, which may carry
 * credentials (`https://user:pass@host/…`) or a signature in its own query. `callback_method` is not one.
 */
const URL_NAME = /callback(?!_method$)/i

export const isUrlParam = (decodedName: string): boolean => URL_NAME.test(decodedName)

/** Keeps a query value's text readable in the log line while it still parses as one value there. */
const asQueryValue = (text: string): string =>
  encodeURIComponent(text).replace(/%(3A|2F|40|5B|5D|3F|3D)/g, (encoded) => decodeURIComponent(encoded))

/**
 * A client's URL as it may be logged: scheme, host and path, with the userinfo, every query value and any
 * fragment replaced. Rebuilt from the parsed URL, so no spelling of a secret survives; anything that is not an
 * http(s) URL is replaced whole.
 */
export function redactClientUrl (decoded: string): string {
  let url: URL
  try {
    url = new URL(decoded)
  } catch {
    return REDACTED
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return REDACTED
  const userinfo = url.username !== '' || url.password !== '' ? `${REDACTED}@` : ''
  // names are kept (`sig=…` says what was there), values replaced; an item without `=` may be the secret itself
  const items = url.search.slice(1).split('&').map((item) => {
    const eq = item.indexOf('=')
    return item === '' ? '' : eq === -1 ? REDACTED : `${item.slice(0, eq)}=${REDACTED}`
  })
  const query = url.search === '' ? '' : `?${items.join('&')}`
  const fragment = url.hash === '' ? '' : `#${REDACTED}`
  return `${url.protocol}//${userinfo}${url.host}${url.pathname}${query}${fragment}`
}

/**
 * The URL with the value of every secret-looking query parameter replaced, and the secrets of a client's URL in
 * a URL-valued one (redactClientUrl). The query is split where the router splits it (the first `?` or `#`) and
 * into pairs where the parser does (`&`); each name and URL value is decoded by the parser itself, so no spelling
 * that authenticates (or that the server would call) can slip through.
 */
export function redactUrl (url: string): string {
  const start = url.search(/[?#]/)
  if (start === -1) return url
  const pairs = url.slice(start + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=')
    const rawName = eq === -1 ? pair : pair.slice(0, eq)
    const names = Object.keys(parseQuery(`${rawName}=`))
    // A name the parser cannot take apart on its own is not trusted either.
    const secret = names.length !== 1 || isSecretParam(names[0]!) || isSecretParam(rawName)
    if (eq === -1) return pair
    if (secret) return `${rawName}=${REDACTED}`
    if (!isUrlParam(names[0]!) && !isUrlParam(rawName)) return pair
    const value = Object.values(parseQuery(`x=${pair.slice(eq + 1)}`))[0]
    return `${rawName}=${typeof value === 'string' ? asQueryValue(redactClientUrl(value)) : REDACTED}`
  })
  return `${url.slice(0, start + 1)}${pairs.join('&')}`
}

const SECRET_HEADERS: ReadonlySet<string> = new Set<string>(CREDENTIAL_HEADERS)

/** Headers with every credential-carrying one replaced, whatever the case of its name. */
export function redactHeaders (headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(headers)) {
    out[name] = SECRET_HEADERS.has(name.toLowerCase()) || isSecretParam(name) ? REDACTED : value
  }
  return out
}
