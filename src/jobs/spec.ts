/**
 * A callback job as it is queued: everything the worker needs besides the audio bytes, settled when the request
 * was accepted (the plan included), so a worker never re-parses a request and never refuses one the API accepted.
 * JSON-safe: pg-boss stores it as jsonb, the in-process queue keeps it as is.
 */
import { badRequest } from '../errors.ts'
import { isDisallowedAddress } from '../audio/address-policy.ts'
import { isIP } from 'node:net'
import type { TranscriptionPlan } from '../transcription/plan.ts'

export type CallbackMethod = 'POST' | 'PUT'

export interface JobSpec {
  /** Returned to the client at submit, in metadata.request_id of the delivery and its dg-request-id header. */
  requestId: string
  plan: TranscriptionPlan
  /** How to read the stored audio bytes (headerless audio needs encoding and sample rate). */
  audio: { contentType?: string | undefined, encoding?: string | undefined, sampleRate?: number | undefined, channels?: number | undefined }
  /** The protocol's own reply options (Deepgram's DeepgramReply): JSON, read back by the protocol's job body. */
  reply: unknown
  callback: { url: string, method: CallbackMethod }
  /** ISO time the request was accepted (latency figures, logs). */
  submittedAt: string
}

/**
 * Checks a client-supplied callback URL at submit: http(s) only, and no literal private address unless allowed.
 * Host names are checked again on the address actually dialled at delivery (src/jobs/deliver.ts).
 */
export function checkCallbackUrl (raw: string, allowPrivate: boolean): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw badRequest('The callback URL is not a valid URL.')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw badRequest(`Unsupported callback URL scheme "${url.protocol.replace(/:$/, '')}": only http and https are accepted.`)
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (!allowPrivate && isIP(host) !== 0 && isDisallowedAddress(host)) {
    throw badRequest(`Refusing the callback URL: ${url.hostname} is a private, loopback or reserved address.`)
  }
  return url
}
