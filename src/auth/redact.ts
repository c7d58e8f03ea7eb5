/**
 * Keeping keys out of logs. Redaction must see a request exactly as authentication does, so both use the same
 * query parser: a name is matched after decoding (`tok%65n`, `+`, repeated parameters), never by its raw spelling.
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
 * The URL with the value of every secret-looking query parameter replaced. The query is split where the router
 * splits it (the first `?` or `#`) and into pairs where the parser does (`&`); each name is decoded by the parser
 * itself, so no spelling that authenticates can slip through.
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
    return secret && eq !== -1 ? `${rawName}=${REDACTED}` : pair
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
