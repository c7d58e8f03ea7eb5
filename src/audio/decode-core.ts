/**
 * The CPU-heavy half of decodeAudio: container decoding (audio-decode) or raw expansion, then resampling to
 * 16 kHz. Runs inside the decode worker (see decode-worker.ts); it is plain code with no thread assumptions, so
 * tests may also call it directly.
 */
import decode from 'audio-decode'
import audioType from 'audio-type'
import { SAMPLE_RATE } from './pcm.ts'
import { decodeRaw, type RawEncoding } from './raw.ts'
import { concatFloat32, Resampler } from './resample.ts'

/**
 * Plausibility bounds for what a decoder reports. A corrupt WAV header can claim 7 Hz, which would turn 16 kB
 * into 40 minutes of 16 kHz output (and a minute of CPU) before any duration limit is reached; or 60000 channels.
 */
export const MIN_SOURCE_RATE = 1000
export const MAX_SOURCE_RATE = 384000
export const MAX_CHANNELS = 32

/**
 * Containers and codecs we hand to audio-decode. Tracker modules (mod/xm/s3m/it) and DSD are left out on purpose:
 * they are not speech formats, and a tiny tracker file can render for an unbounded time in a single call.
 */
const CONTAINER_TYPES: ReadonlySet<string> = new Set([
  'wav', 'mp3', 'flac', 'opus', 'oga', 'm4a', 'mp4', 'mov', 'aac', 'webm', 'mkv', 'aiff', 'caf', 'amr', 'wma',
  'avi', 'ac3', 'eac3', 'wv', 'tta', 'mpc', 'qoa'
])

/**
 * Bytes fed to the codec per call. Small enough that a decompression bomb (e.g. FLAC of digital silence, over
 * 1000:1) overshoots maxSeconds by a bounded amount before we notice; big enough that per-call overhead is noise.
 */
const CHUNK_BYTES = 16 * 1024

export type DecodePlan =
  | { kind: 'container' }
  | { kind: 'raw', encoding: RawEncoding, sampleRate: number, channels: number }

export interface DecodedAudio {
  /** One Float32Array per source channel, each at 16 kHz. */
  channels: Float32Array[]
  /** Seconds of audio in the original (source-rate sample count / source rate). */
  duration: number
  sourceSampleRate: number
  sourceChannels: number
}

/** A decoding outcome the caller maps to an HTTP error; anything else thrown is a bug. */
export class DecodeFailure extends Error {
  readonly kind: 'undecodable' | 'too-long'
  constructor (kind: 'undecodable' | 'too-long', message: string) {
    super(message)
    this.name = 'DecodeFailure'
    this.kind = kind
  }
}

export const tooLongMessage = (maxSeconds: number): string =>
  `audio is longer than the maximum allowed duration of ${maxSeconds} seconds`

interface CodecResult { channelData: Float32Array[], sampleRate: number }
type StreamDecoder = ((chunk?: Uint8Array) => Promise<CodecResult>) & { free: () => void }
const codecs = decode as unknown as Record<string, (() => Promise<StreamDecoder>) | undefined>

/** Accumulates decoder output per channel, resampling as it arrives so only 16 kHz audio is ever held. */
class Collector {
  private rate = 0
  private resamplers: Resampler[] = []
  private outputs: Float32Array[][] = []
  /** Seconds from earlier sample-rate segments, plus samples at the current rate (summed exactly). */
  private earlierSeconds = 0
  private samplesAtRate = 0
  private maxChannels = 0
  sourceRate = 0

  private readonly maxSeconds: number | undefined
  constructor (maxSeconds: number | undefined) {
    this.maxSeconds = maxSeconds
  }

  add (channelData: Float32Array[], sampleRate: number): void {
    const length = channelData[0]?.length ?? 0
    if (length === 0) return
    if (!Number.isInteger(sampleRate) || sampleRate < MIN_SOURCE_RATE || sampleRate > MAX_SOURCE_RATE) {
      throw new DecodeFailure('undecodable', `implausible sample rate ${sampleRate}`)
    }
    if (channelData.length > MAX_CHANNELS) throw new DecodeFailure('undecodable', `implausible channel count ${channelData.length}`)
    if (sampleRate !== this.rate) this.switchRate(sampleRate)
    // audio-decode collapses identical stereo to mono until the channels first differ; when that happens, the
    // mono prefix was really both channels, so the new channel starts as a copy of channel 0 so far.
    while (this.outputs.length < channelData.length) {
      const first = this.outputs[0] ?? []
      this.outputs.push(first.map((a) => a.slice()))
      this.resamplers.push(this.resamplers[0]?.clone() ?? new Resampler(this.rate, SAMPLE_RATE))
    }
    this.maxChannels = Math.max(this.maxChannels, channelData.length)
    for (let c = 0; c < this.outputs.length; c++) {
      const src = channelData[c % channelData.length]!.subarray(0, length)
      this.outputs[c]!.push(this.resamplers[c]!.push(src))
    }
    this.samplesAtRate += length
    if (this.maxSeconds !== undefined && this.seconds() > this.maxSeconds) {
      throw new DecodeFailure('too-long', tooLongMessage(this.maxSeconds))
    }
  }

  private seconds (): number {
    return this.earlierSeconds + (this.rate === 0 ? 0 : this.samplesAtRate / this.rate)
  }

  /** A rate change mid-stream (chained Ogg, odd MP3s) flushes the current filters and starts fresh ones. */
  private switchRate (sampleRate: number): void {
    this.flushResamplers()
    this.earlierSeconds = this.seconds()
    this.samplesAtRate = 0
    this.rate = sampleRate
    if (this.sourceRate === 0) this.sourceRate = sampleRate
    this.resamplers = this.outputs.map(() => new Resampler(sampleRate, SAMPLE_RATE))
  }

  private flushResamplers (): void {
    this.resamplers.forEach((r, c) => this.outputs[c]!.push(r.end()))
  }

  finish (): DecodedAudio {
    this.flushResamplers()
    this.resamplers = []
    const channels = this.outputs.map((parts) => concatFloat32(parts))
    if (channels.length === 0 || channels[0]!.length === 0) throw new DecodeFailure('undecodable', 'no audio samples decoded')
    return {
      channels,
      duration: this.seconds(),
      sourceSampleRate: this.sourceRate,
      sourceChannels: this.maxChannels
    }
  }
}

/**
 * Checks a WAV's fmt chunk before the codec sees it: the WAV codec trusts the header, and a corrupt channel count
 * (say 13057) makes it spend seconds building thousands of tiny channels before we could object to its output.
 */
function checkWavHeader (bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let off = 12; off + 16 <= bytes.length;) {
    const size = view.getUint32(off + 4, true)
    if (view.getUint32(off, false) === 0x666d7420) { // 'fmt '
      const channels = view.getUint16(off + 10, true)
      const rate = view.getUint32(off + 12, true)
      if (channels < 1 || channels > MAX_CHANNELS || rate < MIN_SOURCE_RATE || rate > MAX_SOURCE_RATE) {
        throw new DecodeFailure('undecodable', `implausible WAV header: ${channels} channels at ${rate} Hz`)
      }
      return
    }
    off += 8 + size + (size & 1)
  }
}

/**
 * The data chunk of a plain 16-bit PCM WAV (format tag 1), the commonest upload, or undefined for anything else
 * (float, 24-bit, extensible, compressed: the codec handles those). Read directly it costs a fraction of a
 * millisecond per minute of audio; through the codec, ~1 ms per second (measured: bench/prerecorded/overhead.ts).
 */
function pcm16Wav (bytes: Uint8Array): { data: Uint8Array, channels: number, rate: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let fmt: { channels: number, rate: number } | undefined
  for (let off = 12; off + 8 <= bytes.length;) {
    const id = view.getUint32(off, false)
    const size = view.getUint32(off + 4, true)
    if (id === 0x666d7420 && off + 24 <= bytes.length) { // 'fmt '
      if (view.getUint16(off + 8, true) !== 1 || view.getUint16(off + 22, true) !== 16) return undefined
      fmt = { channels: view.getUint16(off + 10, true), rate: view.getUint32(off + 12, true) }
    } else if (id === 0x64617461) { // 'data'; a streamed WAV may claim more (0xFFFFFFFF) than was sent
      if (fmt === undefined) return undefined
      const data = bytes.subarray(off + 8, Math.min(bytes.length, off + 8 + size))
      return data.length >= 2 * fmt.channels ? { data, ...fmt } : undefined
    }
    off += 8 + size + (size & 1)
  }
  return undefined
}

async function decodeContainer (bytes: Uint8Array, maxSeconds: number | undefined, onProgress: () => void): Promise<DecodedAudio> {
  const type = audioType(bytes)
  const open = type === undefined || !CONTAINER_TYPES.has(type) ? undefined : codecs[type]
  if (open === undefined) throw new DecodeFailure('undecodable', `unrecognised audio format${type === undefined ? '' : ` (${type})`}`)
  if (type === 'wav') {
    checkWavHeader(bytes)
    const pcm = pcm16Wav(bytes)
    if (pcm !== undefined) return decodeRawPlan(pcm.data, { kind: 'raw', encoding: 'linear16', sampleRate: pcm.rate, channels: pcm.channels }, maxSeconds)
  }
  const collector = new Collector(maxSeconds)
  let dec: StreamDecoder
  try {
    dec = await open()
  } catch (err) {
    throw new Error(`failed to load the ${type} decoder`, { cause: err })
  }
  try {
    for (let off = 0; off < bytes.length; off += CHUNK_BYTES) {
      const r = await dec(bytes.subarray(off, off + CHUNK_BYTES))
      onProgress()
      collector.add(r.channelData, r.sampleRate)
    }
    const tail = await dec()
    collector.add(tail.channelData, tail.sampleRate)
  } catch (err) {
    dec.free()
    if (err instanceof DecodeFailure) throw err
    throw new DecodeFailure('undecodable', err instanceof Error ? err.message : String(err))
  }
  return collector.finish()
}

function decodeRawPlan (bytes: Uint8Array, plan: Extract<DecodePlan, { kind: 'raw' }>, maxSeconds: number | undefined): DecodedAudio {
  const channels = decodeRaw(bytes, plan.encoding, plan.channels)
  const collector = new Collector(maxSeconds)
  collector.add(channels, plan.sampleRate)
  return collector.finish()
}

/**
 * `onProgress` is called after every codec call: the pool's watchdog uses it to tell a long decode from a codec
 * stuck in an endless loop on crafted input (which does happen, e.g. with some corrupt MP4s).
 */
export async function decodeToPcm (bytes: Uint8Array, plan: DecodePlan, maxSeconds?: number, onProgress: () => void = () => {}): Promise<DecodedAudio> {
  return plan.kind === 'raw' ? decodeRawPlan(bytes, plan, maxSeconds) : await decodeContainer(bytes, maxSeconds, onProgress)
}
