/**
 * Public audio entry point: bytes in (any supported container, or headerless PCM/G.711 described by Deepgram's
 * `encoding`/`sample_rate`/`channels`), 16 kHz Float32 channels out. Request-level validation happens here on the
 * calling thread; decoding and resampling happen in the worker pool (pool.ts). Knows nothing about HTTP.
 */
import { badRequest, payloadTooLarge, quoted, undecodableAudio } from '../errors.ts'
import {
  MAX_CHANNELS, MAX_SOURCE_RATE, MIN_SOURCE_RATE, tooLongMessage, type DecodedAudio, type DecodePlan
} from './decode-core.ts'
import { DecoderPool, type PoolOptions } from './pool.ts'
import { bytesPerSample, hasContainerMagic, looksLikeMp3, RAW_ENCODINGS, rawHintFromContentType, type RawEncoding } from './raw.ts'

export type { DecodedAudio }

/** Deepgram's `encoding` values (REST + streaming enums). Only the first four are decoded as headerless audio. */
export const AUDIO_ENCODINGS = [
  'linear16', 'linear32', 'mulaw', 'alaw', 'flac', 'opus', 'ogg-opus', 'amr-nb', 'amr-wb', 'speex', 'g729'
] as const
export type AudioEncoding = typeof AUDIO_ENCODINGS[number]

export interface DecodeAudioOptions {
  /** Deepgram `encoding`; raw encodings need `sampleRate`. A recognisable container header always wins. */
  encoding?: AudioEncoding | (string & Record<never, never>)
  /** Deepgram `sample_rate` (Hz) of headerless audio; ignored for containers. */
  sampleRate?: number
  /** Deepgram `channels` of headerless audio (interleaved), default 1; ignored for containers. */
  channels?: number
  /** Longer audio is refused with 413. */
  maxSeconds?: number
  /** Request Content-Type; only consulted to recognise headerless G.711 / audio/L16 uploads. */
  contentType?: string
  /** Abandons the decode (a queued job is dropped, a running one has its worker killed); rejects with the reason. */
  signal?: AbortSignal
}

let poolOptions: PoolOptions = { size: 1, stallTimeoutMs: 10_000 }
let pool: DecoderPool | undefined

/** Sizes the worker pool; takes effect for the next pool (call before the first decode, or after close). */
export function configureAudioDecoder (options: Partial<PoolOptions>): void {
  if (options.size !== undefined && (!Number.isInteger(options.size) || options.size < 1)) throw new RangeError('pool size must be a positive integer')
  poolOptions = { ...poolOptions, ...options }
}

/**
 * Stops the decode workers; pending decodes reject with 503. Call on shutdown. Idle workers never hold the
 * process open anyway, so this is about prompt, tidy exit. A later decodeAudio() starts a fresh pool.
 */
export async function closeAudioDecoder (): Promise<void> {
  const p = pool
  pool = undefined
  await p?.close()
}

export async function decodeAudio (bytes: Uint8Array, opts: DecodeAudioOptions = {}): Promise<DecodedAudio> {
  if (bytes.length === 0) throw badRequest('The request contained no audio data (empty body).')
  const { maxSeconds } = opts
  if (maxSeconds !== undefined && !(maxSeconds > 0)) throw new RangeError('maxSeconds must be positive')
  const plan = planDecode(bytes, opts)
  if (plan.kind === 'raw') {
    // Headerless audio's length is known from its size: refuse before spending a worker on it.
    const frames = Math.floor(bytes.length / (bytesPerSample(plan.encoding) * plan.channels))
    if (frames === 0) throw undecodableAudio(new Error('raw audio shorter than one sample frame'))
    if (maxSeconds !== undefined && frames / plan.sampleRate > maxSeconds) throw payloadTooLarge(tooLongMessage(maxSeconds))
  }
  pool ??= new DecoderPool(poolOptions)
  return await pool.run(bytes, plan, maxSeconds, opts.signal)
}

function planDecode (bytes: Uint8Array, opts: DecodeAudioOptions): DecodePlan {
  const encoding = opts.encoding?.toLowerCase()
  if (encoding !== undefined && !(AUDIO_ENCODINGS as readonly string[]).includes(encoding)) {
    throw badRequest(`Unsupported encoding ${quoted(opts.encoding ?? '')}. Supported values: ${AUDIO_ENCODINGS.join(', ')}.`)
  }
  if (hasContainerMagic(bytes) || looksLikeMp3(bytes)) return { kind: 'container' }
  if (encoding !== undefined) {
    if (!RAW_ENCODINGS.has(encoding)) return { kind: 'container' }
    return rawPlan(encoding as RawEncoding, opts.sampleRate, opts.channels, `encoding=${encoding}`)
  }
  const hint = rawHintFromContentType(opts.contentType)
  if (hint !== undefined) {
    return rawPlan(hint.encoding, opts.sampleRate ?? hint.sampleRate, opts.channels ?? hint.channels, `Content-Type ${opts.contentType}`)
  }
  return { kind: 'container' }
}

function rawPlan (encoding: RawEncoding, sampleRate: number | undefined, channels: number | undefined, what: string): DecodePlan {
  if (sampleRate === undefined) throw badRequest(`sample_rate is required for headerless audio (${what}).`)
  if (!Number.isInteger(sampleRate) || sampleRate < MIN_SOURCE_RATE || sampleRate > MAX_SOURCE_RATE) {
    throw badRequest(`sample_rate must be an integer between ${MIN_SOURCE_RATE} and ${MAX_SOURCE_RATE}.`)
  }
  const ch = channels ?? 1
  if (!Number.isInteger(ch) || ch < 1 || ch > MAX_CHANNELS) {
    throw badRequest(`channels must be an integer between 1 and ${MAX_CHANNELS}.`)
  }
  return { kind: 'raw', encoding, sampleRate, channels: ch }
}

/**
 * Average of all channels (the single-transcript case). A mono input is returned as is, not copied. Scaling by
 * 1/N rather than summing keeps the mix inside [-1, 1]; phase-opposed channels cancel, as in any downmix.
 */
export function mixToMono (channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0]!
  if (channels.length === 0) return new Float32Array(0)
  const length = Math.max(...channels.map((c) => c.length))
  const out = new Float32Array(length)
  for (const ch of channels) {
    for (let i = 0; i < ch.length; i++) out[i]! += ch[i]!
  }
  const scale = 1 / channels.length
  for (let i = 0; i < length; i++) out[i]! *= scale
  return out
}
