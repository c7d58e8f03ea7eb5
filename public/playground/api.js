// Calls to earshot's /v1 API with the key the person entered, and the messages its refusals deserve.

const KEY_ITEM = 'earshot.playground.key'

/** The key lives in this tab's sessionStorage only: gone when the tab closes, never in a URL or a cookie. */
export const keyStore = {
  get: () => sessionStorage.getItem(KEY_ITEM) ?? '',
  set: (key) => sessionStorage.setItem(KEY_ITEM, key),
  clear: () => sessionStorage.removeItem(KEY_ITEM)
}

/** A refused request, with the sentence to show a person. */
export class ApiError extends Error {
  constructor (status, message, body) {
    super(message)
    this.status = status
    this.body = body
  }
}

function retryAfter (response, body) {
  const header = Number(response.headers.get('retry-after'))
  if (Number.isFinite(header) && header > 0) return header
  return typeof body?.retry_after === 'number' ? body.retry_after : undefined
}

const seconds = (n) => (n === 1 ? '1 second' : `${n} seconds`)

/** What a person should read for an HTTP refusal: the cause, then what to do about it. */
export function describeRefusal (status, body, wait) {
  const detail = typeof body?.err_msg === 'string' ? body.err_msg : ''
  switch (status) {
    case 401:
      return 'The server did not accept this key (401). Check it for typos, or create one with: npx earshot create --name me'
    case 403:
      return `This key has expired (403${body?.expires_at ? `, on ${new Date(body.expires_at).toLocaleString()}` : ''}). Create a new key with: npx earshot create --name me`
    case 429:
      return `Too many requests (429). Wait ${wait !== undefined ? seconds(wait) : 'a moment'} and try again.`
    case 413:
      return `This file is too large for the server (413)${detail ? `: ${detail}` : '.'} The limits are BODY_LIMIT and MAX_AUDIO_SECONDS.`
    case 503:
      return `The server is busy or not ready yet (503)${detail ? `: ${detail}` : '.'}${wait !== undefined ? ` Try again in ${seconds(wait)}.` : ' Try again shortly.'}`
    case 400:
      return `The server refused the request (400): ${detail || 'bad request'}`
    default:
      return `The server answered ${status}${detail ? `: ${detail}` : '.'}`
  }
}

/** fetch against this server with the key; throws ApiError with a readable message for any refusal. */
export async function api (path, { method = 'GET', body, headers = {}, signal } = {}) {
  let response
  try {
    response = await fetch(path, { method, body, signal, headers: { ...headers, Authorization: `Token ${keyStore.get()}` } })
  } catch (err) {
    if (err?.name === 'AbortError') throw err
    throw new ApiError(0, 'Could not reach the server. Is earshot still running?')
  }
  const text = await response.text()
  let parsed
  try { parsed = text === '' ? undefined : JSON.parse(text) } catch { parsed = undefined }
  if (!response.ok) throw new ApiError(response.status, describeRefusal(response.status, parsed, retryAfter(response, parsed)), parsed)
  return parsed
}

const CLOSE_CODES = {
  1000: 'normal closure',
  1001: 'the server is shutting down',
  1006: 'the connection was lost or refused',
  1008: 'policy violation',
  1009: 'a message was too large',
  1011: 'server error or idle timeout'
}

/** A closed live socket, for a person: the close code, its meaning and the server's reason. */
export function describeClose (code, reason) {
  const meaning = CLOSE_CODES[code] ?? 'unexpected closure'
  return `The live connection closed: code ${code} (${meaning})${reason ? `, reason "${reason}"` : ''}.`
}
