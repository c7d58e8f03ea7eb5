/**
 * Headerless ("raw") audio: the encodings Deepgram accepts with `encoding` + `sample_rate` (+ `channels`), and
 * the few MIME types that imply one. Per Deepgram's docs: linear16 = 16-bit signed little-endian PCM, linear32 =
 * 32-bit little-endian IEEE float PCM, mulaw / alaw = 8-bit G.711. The OpenAPI enum for /v1/listen omits linear32
 * and alaw; the streaming (AsyncAPI) enum lists them, and the docs define linear32 as floating point.
 */

export type RawEncoding = 'linear16' | 'linear16be' | 'linear32' | 'mulaw' | 'alaw'

export const RAW_ENCODINGS: ReadonlySet<string> = new Set(['linear16', 'linear32', 'mulaw', 'alaw'])

export const bytesPerSample = (encoding: RawEncoding): number =>
  encoding === 'linear32' ? 4 : encoding === 'mulaw' || encoding === 'alaw' ? 1 : 2

/** G.711 mu-law expansion (ITU-T G.711), scaled to [-1, 1). */
function buildMulawTable (): Float32Array {
  const t = new Float32Array(256)
  for (let i = 0; i < 256; i++) {
    const u = ~i & 0xff
    const exponent = (u >> 4) & 0x07
    const mantissa = u & 0x0f
    const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    t[i] = ((u & 0x80) !== 0 ? -magnitude : magnitude) / 32768
  }
  return t
}

/** G.711 A-law expansion, scaled to [-1, 1). */
function buildAlawTable (): Float32Array {
  const t = new Float32Array(256)
  for (let i = 0; i < 256; i++) {
    const a = i ^ 0x55
    const exponent = (a >> 4) & 0x07
    const mantissa = a & 0x0f
    let magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1)
    if ((a & 0x80) === 0) magnitude = -magnitude
    t[i] = magnitude / 32768
  }
  return t
}

let mulawTable: Float32Array | undefined
let alawTable: Float32Array | undefined

/**
 * Splits interleaved raw samples into one Float32Array per channel. A trailing partial frame (a cut-off upload)
 * is ignored rather than rejected, the way most decoders treat a short last frame.
 */
export function decodeRaw (bytes: Uint8Array, encoding: RawEncoding, channels: number): Float32Array[] {
  const bps = bytesPerSample(encoding)
  const frames = Math.floor(bytes.length / (bps * channels))
  const out = Array.from({ length: channels }, () => new Float32Array(frames))
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let table: Float32Array | undefined
  if (encoding === 'mulaw') table = mulawTable ??= buildMulawTable()
  if (encoding === 'alaw') table = alawTable ??= buildAlawTable()
  for (let c = 0; c < channels; c++) {
    const ch = out[c]!
    for (let f = 0; f < frames; f++) {
      const o = (f * channels + c) * bps
      switch (encoding) {
        case 'linear16': ch[f] = view.getInt16(o, true) / 32768; break
        case 'linear16be': ch[f] = view.getInt16(o, false) / 32768; break
        case 'linear32': ch[f] = view.getFloat32(o, true); break
        default: ch[f] = table![bytes[o]!]!
      }
    }
  }
  return out
}

const ascii = (bytes: Uint8Array, at: number, text: string): boolean => {
  if (bytes.length < at + text.length) return false
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false
  return true
}

/**
 * True when the bytes carry an unambiguous container signature. Used to let a real file win over a raw `encoding`
 * (clients routinely send a WAV with encoding=linear16, as Deepgram's own examples do). Weak signatures such as a
 * bare MPEG sync word are deliberately not trusted here: two PCM bytes match them by chance.
 */
export function hasContainerMagic (bytes: Uint8Array): boolean {
  return (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WAVE')) ||
    (ascii(bytes, 0, 'RF64') && ascii(bytes, 8, 'WAVE')) ||
    (ascii(bytes, 0, 'FORM') && (ascii(bytes, 8, 'AIFF') || ascii(bytes, 8, 'AIFC'))) ||
    ascii(bytes, 0, 'fLaC') || ascii(bytes, 0, 'OggS') || ascii(bytes, 0, 'ID3') ||
    ascii(bytes, 4, 'ftyp') || ascii(bytes, 0, 'caff') || ascii(bytes, 0, '#!AMR') ||
    (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3)
}

const MP3_KBPS_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
const MP3_KBPS_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
const MP3_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] }

/** Byte length of the MPEG layer III frame whose header starts at `at`, or 0 if there is no valid header there. */
function mp3FrameLength (bytes: Uint8Array, at: number): number {
  if (at + 4 > bytes.length || bytes[at] !== 0xff || (bytes[at + 1]! & 0xe0) !== 0xe0) return 0
  const version = (bytes[at + 1]! >> 3) & 3
  const layer = (bytes[at + 1]! >> 1) & 3
  const bitrateIndex = bytes[at + 2]! >> 4
  const rateIndex = (bytes[at + 2]! >> 2) & 3
  const rate = MP3_RATES[version]?.[rateIndex]
  if (layer !== 1 || rate === undefined || bitrateIndex === 0 || bitrateIndex === 15) return 0
  const kbps = (version === 3 ? MP3_KBPS_V1 : MP3_KBPS_V2)[bitrateIndex]!
  const padding = (bytes[at + 2]! >> 1) & 1
  return Math.floor(((version === 3 ? 144000 : 72000) * kbps) / rate) + padding
}

/**
 * A bare MP3 (no ID3 tag) sent with a raw `encoding` — Deepgram's own curl example does exactly this. The sync
 * word alone is too weak (a loud PCM sample matches it), so two consecutive valid frame headers are required.
 */
export function looksLikeMp3 (bytes: Uint8Array): boolean {
  const first = mp3FrameLength(bytes, 0)
  return first > 0 && mp3FrameLength(bytes, first) > 0
}

export interface RawHint {
  encoding: RawEncoding
  sampleRate?: number
  channels?: number
}

/**
 * Raw formats implied by a Content-Type when no `encoding` was given: G.711 (audio/basic is 8 kHz mu-law by
 * definition, RFC 2046) and audio/L16 (big-endian per RFC 2586, with its `rate`/`channels` parameters).
 */
export function rawHintFromContentType (contentType: string | undefined): RawHint | undefined {
  if (contentType === undefined) return undefined
  const [type = '', ...params] = contentType.toLowerCase().split(';').map((s) => s.trim())
  const param = (name: string): number | undefined => {
    const hit = params.find((p) => p.startsWith(`${name}=`))
    const n = hit === undefined ? NaN : Number(hit.slice(name.length + 1).replace(/"/g, ''))
    return Number.isInteger(n) && n > 0 ? n : undefined
  }
  const rate = param('rate')
  const channels = param('channels')
  const withParams = (encoding: RawEncoding, defaultRate?: number): RawHint => {
    const hint: RawHint = { encoding }
    const r = rate ?? defaultRate
    if (r !== undefined) hint.sampleRate = r
    if (channels !== undefined) hint.channels = channels
    return hint
  }
  switch (type) {
    case 'audio/basic': return withParams('mulaw', 8000)
    case 'audio/pcmu': case 'audio/mulaw': case 'audio/x-mulaw': case 'audio/ulaw': return withParams('mulaw', 8000)
    case 'audio/pcma': case 'audio/alaw': case 'audio/x-alaw': return withParams('alaw', 8000)
    case 'audio/l16': return withParams('linear16be')
    default: return undefined
  }
}
