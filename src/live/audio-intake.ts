/**
 * Turns the audio bytes of a live stream into 16 kHz mono PCM, piece by piece, as they arrive.
 *
 * Headerless audio (a raw encoding linear16|linear32|mulaw|alaw + sampleRate [+ channels]) is expanded with the
 * file path's raw decoders (src/audio/raw.ts); a sample split across two pieces is carried over. Containerised
 * audio (no encoding, or any other one, or a raw encoding whose stream nevertheless opens with a container header:
 * popular client examples send WAV and call it linear16) is sniffed from its first bytes and fed to
 * audio-decode's streaming decoder for that format: WebM/Opus as a browser's MediaRecorder writes it, Ogg/Opus,
 * WAV, FLAC, MP3, AAC. Every container here decodes incrementally (per WebM block, per Ogg page), so a live
 * stream is transcribed as it arrives rather than at the end.
 *
 * Decoding runs on the calling thread: a live frame is a few ms of WASM (about 5 ms per second of Opus), far
 * below what a round trip to a worker would cost per frame.
 */
import decode from 'audio-decode'
import audioType from 'audio-type'
import { mixToMono } from '../audio/decode.ts'
import { decodeRaw, bytesPerSample, hasContainerMagic, RAW_ENCODINGS, type RawEncoding } from '../audio/raw.ts'
import { MAX_CHANNELS, MAX_SOURCE_RATE, MIN_SOURCE_RATE } from '../audio/decode-core.ts'
import { SAMPLE_RATE } from '../audio/pcm.ts'
import { Resampler } from '../audio/resample.ts'

/** The stream's bytes are not audio we can decode: the session ends with error kind 'bad-input'. */
export class UndecodableAudioError extends Error {
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'UndecodableAudioError'
  }
}

export interface StreamFormat {
  /** A raw encoding of src/audio/raw.ts for headerless audio; absent (or any other name) for containerised audio. */
  encoding?: string
  sampleRate?: number
  channels?: number
}

/** Containers that can be decoded while they arrive (MP4/M4A keep their index at the end, so they cannot). */
const STREAMABLE = new Set(['webm', 'mkv', 'opus', 'oga', 'wav', 'flac', 'mp3', 'aac'])
/** Bytes needed before the format can be told reliably: Ogg/Opus names its codec at byte 28, WebM its DocType ~30. */
const SNIFF_BYTES = 64

interface CodecResult { channelData: Float32Array[], sampleRate: number }
type StreamDecoder = ((chunk?: Uint8Array) => Promise<CodecResult>) & { free: () => void }
const codecs = decode as unknown as Record<string, (() => Promise<StreamDecoder>) | undefined>

const EMPTY: Float32Array = new Float32Array(0)

function concat (a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

export class AudioIntake {
  private readonly raw: { encoding: RawEncoding, sampleRate: number, channels: number } | undefined
  private mode: 'undecided' | 'raw' | 'container'
  /** Raw: the bytes of an incomplete sample frame. Container: the bytes seen before the format was known. */
  private pending: Uint8Array = new Uint8Array(0)
  private decoder: StreamDecoder | undefined
  private resampler: Resampler | undefined
  private ended = false

  constructor (format: StreamFormat) {
    const encoding = format.encoding?.toLowerCase()
    if (encoding !== undefined && RAW_ENCODINGS.has(encoding)) {
      if (format.sampleRate === undefined) throw new RangeError(`sample_rate is required with encoding=${encoding}`)
      this.raw = { encoding: encoding as RawEncoding, sampleRate: format.sampleRate, channels: format.channels ?? 1 }
      if (this.raw.sampleRate < MIN_SOURCE_RATE || this.raw.sampleRate > MAX_SOURCE_RATE || this.raw.channels < 1 || this.raw.channels > MAX_CHANNELS) {
        throw new RangeError('sample_rate or channels out of range')
      }
    }
    this.mode = 'undecided'
  }

  /** 16 kHz mono samples for these bytes (possibly none yet). Throws UndecodableAudioError. */
  async push (bytes: Uint8Array): Promise<Float32Array> {
    if (this.ended) throw new Error('AudioIntake already ended')
    if (bytes.length === 0) return EMPTY
    if (this.mode === 'undecided') {
      this.pending = concat(this.pending, bytes)
      // A stream that opens with a real header is that container, whatever `encoding` said.
      if (this.raw !== undefined && !hasContainerMagic(this.pending)) {
        this.mode = 'raw'
        const first = this.pending
        this.pending = new Uint8Array(0)
        return this.pushRaw(first)
      }
      if (this.raw === undefined && this.pending.length < SNIFF_BYTES) return EMPTY
      return await this.startContainer()
    }
    return this.mode === 'raw' ? this.pushRaw(bytes) : await this.pushContainer(bytes)
  }

  /** End of stream: whatever the decoder and resampler still hold. */
  async end (): Promise<Float32Array> {
    if (this.ended) return EMPTY
    let head = EMPTY
    if (this.mode === 'undecided' && this.pending.length > 0) head = await this.startContainer()
    this.ended = true
    let tail = EMPTY
    if (this.decoder !== undefined) {
      const decoder = this.decoder
      this.decoder = undefined
      tail = this.convert(await this.decodeWith(decoder, undefined))
    }
    const flushed = this.resampler?.end() ?? EMPTY
    this.resampler = undefined
    return joinFloat([head, tail, flushed])
  }

  /** Frees the codec without flushing (the client is gone). */
  free (): void {
    this.ended = true
    this.decoder?.free()
    this.decoder = undefined
  }

  private pushRaw (bytes: Uint8Array): Float32Array {
    const { encoding, sampleRate, channels } = this.raw!
    const data = concat(this.pending, bytes)
    const frameBytes = bytesPerSample(encoding) * channels
    const whole = data.length - (data.length % frameBytes)
    this.pending = data.slice(whole)
    if (whole === 0) return EMPTY
    return this.resample(mixToMono(decodeRaw(data.subarray(0, whole), encoding, channels)), sampleRate)
  }

  private async startContainer (): Promise<Float32Array> {
    // Copied: audio-type reads `bytes.buffer` from offset 0, and a WebSocket frame is a view into a larger buffer.
    const head = new Uint8Array(this.pending)
    this.pending = new Uint8Array(0)
    const type = audioType(head)
    const open = type !== undefined && STREAMABLE.has(type) ? codecs[type] : undefined
    if (open === undefined) {
      throw new UndecodableAudioError(type === undefined
        ? 'the stream is not audio in a recognised container (send encoding and sample_rate for headerless audio)'
        : `the ${type} format cannot be decoded while streaming`)
    }
    this.mode = 'container'
    try {
      this.decoder = await open()
    } catch (err) {
      throw new Error(`failed to load the ${type} decoder`, { cause: err })
    }
    return await this.pushContainer(head)
  }

  private async pushContainer (bytes: Uint8Array): Promise<Float32Array> {
    if (this.decoder === undefined) throw new UndecodableAudioError('the audio decoder has already failed')
    // Copied for the same reason: some codecs build typed arrays on `bytes.buffer` at `bytes.byteOffset`, which a
    // frame's view need not align. A few kB per frame.
    return this.convert(await this.decodeWith(this.decoder, new Uint8Array(bytes)))
  }

  private async decodeWith (decoder: StreamDecoder, bytes: Uint8Array | undefined): Promise<CodecResult> {
    try {
      return await decoder(bytes)
    } catch (err) {
      this.decoder = undefined // audio-decode frees a decoder that threw
      throw new UndecodableAudioError(`the audio could not be decoded: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
    }
  }

  private convert (result: CodecResult): Float32Array {
    const length = result.channelData[0]?.length ?? 0
    if (length === 0) return EMPTY
    const rate = result.sampleRate
    if (!Number.isInteger(rate) || rate < MIN_SOURCE_RATE || rate > MAX_SOURCE_RATE || result.channelData.length > MAX_CHANNELS) {
      throw new UndecodableAudioError(`implausible audio: ${result.channelData.length} channels at ${rate} Hz`)
    }
    return this.resample(mixToMono(result.channelData), rate)
  }

  /** A rate change mid-stream (chained Ogg) drains the old filter first, so no sample is lost or doubled. */
  private resample (mono: Float32Array, rate: number): Float32Array {
    let drained = EMPTY
    if (this.resampler !== undefined && this.resampler.inRate !== rate) drained = this.resampler.end()
    if (this.resampler === undefined || this.resampler.inRate !== rate) this.resampler = new Resampler(rate, SAMPLE_RATE)
    const out = this.resampler.push(mono)
    return drained.length === 0 ? out : joinFloat([drained, out])
  }
}

function joinFloat (parts: Float32Array[]): Float32Array {
  const nonEmpty = parts.filter((p) => p.length > 0)
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? EMPTY
  const out = new Float32Array(nonEmpty.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of nonEmpty) {
    out.set(p, at)
    at += p.length
  }
  return out
}
