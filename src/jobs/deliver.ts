/**
 * Posts a finished job's Deepgram body to its callback URL: at least once, retried with exponential backoff on
 * network errors and non-2xx answers, a bounded number of attempts. The request id travels in the body
 * (metadata.request_id, or request_id of an error body) and in a `dg-request-id` header, so a receiver can drop the
 * duplicates at-least-once delivery allows. Same address guard as URL input: the connection goes to the address the
 * guarded lookup checked (node:http, since fetch cannot pin DNS answers). Retries come from p-retry.
 */
import http from 'node:http'
import https from 'node:https'
import pRetry, { AbortError } from 'p-retry'
import { DisallowedAddressError, guardedLookup, type Resolver } from '../audio/address-policy.ts'
import type { Logger } from '../engine/types.ts'
import type { CallbackMethod } from './spec.ts'

export interface DeliveryOptions {
  /** Attempts in all (first try included). */
  attempts: number
  /** Delay before the first retry; each later one doubles. */
  retryDelayMs: number
  /** Deadline of one attempt, connect to end of the answer. */
  timeoutMs: number
  allowPrivate: boolean
  logger?: Logger | undefined
  /** Stops retrying (shutdown). */
  signal?: AbortSignal | undefined
  resolve?: Resolver
}

export interface Delivery {
  url: string
  method: CallbackMethod
  requestId: string
  body: unknown
}

/** Longest wait between two attempts, whatever the doubling reaches. */
const MAX_RETRY_DELAY_MS = 10 * 60 * 1000

/** A failed attempt that another attempt cannot fix (the address is refused). */
class PermanentDeliveryError extends Error {}

/** Resolves with the attempt that succeeded (1-based); rejects with the last failure when every attempt failed. */
export async function deliverCallback (delivery: Delivery, opts: DeliveryOptions): Promise<number> {
  const payload = Buffer.from(JSON.stringify(delivery.body))
  let attempt = 0
  await pRetry(async () => {
    attempt++
    try {
      await sendOnce(delivery, payload, opts)
    } catch (err) {
      if (err instanceof PermanentDeliveryError) throw new AbortError(err)
      throw err
    }
  }, {
    retries: opts.attempts - 1,
    factor: 2,
    minTimeout: opts.retryDelayMs,
    maxTimeout: MAX_RETRY_DELAY_MS,
    randomize: false,
    signal: opts.signal,
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      opts.logger?.warn({ request_id: delivery.requestId, attempt: attemptNumber, retries_left: retriesLeft, err: { message: error.message } },
        'callback delivery failed')
    }
  })
  return attempt
}

function sendOnce (delivery: Delivery, payload: Buffer, opts: DeliveryOptions): Promise<void> {
  const url = new URL(delivery.url)
  const transport = url.protocol === 'https:' ? https : http
  return new Promise((resolve, reject) => {
    const req = transport.request(url, {
      method: delivery.method,
      // a fresh socket per attempt: a connection pinned to one checked address is never reused for another
      agent: false,
      timeout: opts.timeoutMs,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(payload.length),
        'dg-request-id': delivery.requestId,
        'user-agent': 'earshot (+callback)'
      },
      ...(opts.allowPrivate ? {} : { lookup: guardedLookup(opts.resolve) })
    })
    const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs)
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)))
    req.on('error', (err) => {
      clearTimeout(deadline)
      reject(err instanceof DisallowedAddressError
        ? new PermanentDeliveryError(`refusing the callback: ${err.message}`)
        : err)
    })
    req.on('response', (res) => {
      res.resume()
      res.on('end', () => {
        clearTimeout(deadline)
        const status = res.statusCode ?? 0
        if (status >= 200 && status <= 299) resolve()
        else reject(new Error(`the callback URL answered HTTP ${status}`))
      })
    })
    req.end(payload)
  })
}
