/**
 * Downloads the audio behind a client-supplied URL (Deepgram's `{"url": ...}` body) with the limits a server
 * needs: http/https only, a byte cap (declared and counted), one deadline for the whole exchange including
 * redirects, a redirect limit with every hop re-validated, and — unless allowPrivate — no connections to
 * loopback/private/link-local/etc. addresses, enforced on the resolved address actually dialled (see
 * address-policy.ts). Uses node:http/https directly because global fetch cannot pin DNS answers.
 *
 * Every failure is a 400 AppError whose message names the problem.
 */
import http from 'node:http'
import https from 'node:https'
import { isIP } from 'node:net'
import { AppError, badRequest, quoted } from '../errors.ts'
import { DisallowedAddressError, guardedLookup, isDisallowedAddress, type Resolver } from './address-policy.ts'

export interface FetchAudioOptions {
  maxBytes: number
  /** Deadline for the whole download, redirects included. */
  timeoutMs: number
  maxRedirects: number
  /** Allow loopback/private destinations (tests, trusted LAN deployments). */
  allowPrivate: boolean
  /** Caller cancellation (e.g. the client went away); rejects with the signal's reason. */
  signal?: AbortSignal
  /** Name resolution behind the private-address guard (default dns.lookup); lets tests avoid real DNS. */
  resolve?: Resolver
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

type Hop = { kind: 'redirect', location: string } | { kind: 'body', bytes: Uint8Array }

export async function fetchAudioUrl (url: string, opts: FetchAudioOptions): Promise<Uint8Array> {
  opts.signal?.throwIfAborted()
  const controller = new AbortController()
  const timer = setTimeout(() => {
    controller.abort(badRequest(`Timed out fetching the audio URL: no complete response within ${opts.timeoutMs} ms.`))
  }, opts.timeoutMs)
  const forward = (): void => controller.abort(opts.signal?.reason)
  opts.signal?.addEventListener('abort', forward, { once: true })
  try {
    let current = parseUrl(url)
    for (let redirects = 0; ; redirects++) {
      const hop = await requestOnce(current, opts, controller.signal)
      if (hop.kind === 'body') return hop.bytes
      if (redirects >= opts.maxRedirects) {
        throw badRequest(`Too many redirects fetching the audio URL (the limit is ${opts.maxRedirects}).`)
      }
      current = parseUrl(hop.location, current)
    }
  } finally {
    clearTimeout(timer)
    opts.signal?.removeEventListener('abort', forward)
  }
}

function parseUrl (raw: string, base?: URL): URL {
  let url: URL
  try {
    url = new URL(raw, base)
  } catch {
    throw badRequest(base === undefined ? 'The audio URL is not a valid URL.' : `The audio URL redirected to an invalid location: ${quoted(raw, 100)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw badRequest(`Unsupported URL scheme "${url.protocol.replace(/:$/, '')}": only http and https audio URLs are accepted.`)
  }
  return url
}

const privateRefused = (host: string, address: string): AppError =>
  badRequest(`Refusing to fetch the audio URL: ${host} resolves to ${address}, a private, loopback or reserved address.`)

function requestOnce (url: URL, opts: FetchAudioOptions, signal: AbortSignal): Promise<Hop> {
  // URL keeps the brackets of an IPv6 literal; net wants them off. Literals never reach `lookup`, so check here.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (!opts.allowPrivate && isIP(host) !== 0 && isDisallowedAddress(host)) {
    return Promise.reject(privateRefused(url.hostname, host))
  }
  if (signal.aborted) return Promise.reject(signal.reason)

  return new Promise<Hop>((resolve, reject) => {
    let settled = false
    const finish = (err: unknown, hop?: Hop): void => {
      if (settled) return
      settled = true
      signal.removeEventListener('abort', onAbort)
      req.destroy()
      if (hop !== undefined) resolve(hop)
      else reject(err)
    }
    const onAbort = (): void => finish(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })

    const transport = url.protocol === 'https:' ? https : http
    const req = transport.request(url, {
      method: 'GET',
      // No agent: a fresh socket per hop, so a connection pinned to one (validated) address is never reused
      // for another host. identity: the bytes we count are the bytes we decode.
      agent: false,
      headers: { 'user-agent': 'earshot (+audio fetch)', accept: 'audio/*, video/*, */*', 'accept-encoding': 'identity' },
      ...(opts.allowPrivate ? {} : { lookup: guardedLookup(opts.resolve) })
    })

    req.on('error', (err) => finish(describeNetworkError(err, url)))
    req.on('response', (res) => {
      const status = res.statusCode ?? 0
      if (REDIRECT_STATUSES.has(status) && typeof res.headers.location === 'string') {
        finish(undefined, { kind: 'redirect', location: res.headers.location })
        return
      }
      if (status < 200 || status > 299) {
        finish(badRequest(`The audio URL could not be fetched: the remote server responded with HTTP status ${status}.`))
        return
      }
      const declared = Number(res.headers['content-length'])
      if (Number.isFinite(declared) && declared > opts.maxBytes) {
        finish(tooLarge(opts.maxBytes, `declares ${declared} bytes`))
        return
      }
      const chunks: Buffer[] = []
      let received = 0
      res.on('data', (chunk: Buffer) => {
        received += chunk.length
        if (received > opts.maxBytes) finish(tooLarge(opts.maxBytes, 'sent more than that'))
        else chunks.push(chunk)
      })
      res.on('end', () => {
        if (!res.complete) finish(badRequest('The audio URL could not be fetched: the connection closed before the body was complete.'))
        else finish(undefined, { kind: 'body', bytes: Buffer.concat(chunks, received) })
      })
      res.on('error', (err) => finish(describeNetworkError(err, url)))
      res.on('close', () => finish(badRequest('The audio URL could not be fetched: the connection closed before the body was complete.')))
    })
    req.end()
  })
}

const tooLarge = (maxBytes: number, detail: string): AppError =>
  badRequest(`The audio at the URL is too large: the limit is ${maxBytes} bytes and the server ${detail}.`)

function describeNetworkError (err: Error & { code?: string }, url: URL): AppError {
  if (err instanceof AppError) return err
  if (err instanceof DisallowedAddressError) return privateRefused(err.hostname, err.address)
  switch (err.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NODATA':
      return badRequest(`The audio URL could not be fetched: the host ${url.hostname} could not be resolved.`)
    case 'ECONNREFUSED':
      return badRequest(`The audio URL could not be fetched: connection to ${url.host} was refused.`)
    case 'ECONNRESET':
      return badRequest(`The audio URL could not be fetched: the connection to ${url.host} was reset.`)
    default:
      return badRequest(`The audio URL could not be fetched: ${quoted(err.message, 200)}`)
  }
}
