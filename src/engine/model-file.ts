/**
 * Checks a whisper.cpp ggml model file completely before the native addon sees it.
 *
 * Why so thorough: the addon turns a failed whisper load into a rejection, but whisper.cpp only says "failed" (the
 * reason goes to its log), and a few malformed headers reach ggml asserts that abort the process. So every
 * condition under which whisper_model_load() would fail (bad magic, bad ftype, unknown/missing/misshapen tensor,
 * short read) is caught here first, with a reason fit for the API client.
 * The walk reads only headers (positioned reads), so even a 3 GB model checks in milliseconds.
 */
import { open, type FileHandle } from 'node:fs/promises'

export class ModelFileError extends Error {
  readonly path: string
  /** The problem without the path (safe to show API clients). */
  readonly reason: string
  constructor (path: string, reason: string) {
    super(`invalid model file ${path}: ${reason}`)
    this.name = 'ModelFileError'
    this.path = path
    this.reason = reason
  }
}

export interface ModelFileInfo {
  path: string
  sizeBytes: number
  nVocab: number
  nAudioCtx: number
  nState: number
  nAudioLayer: number
  nTextLayer: number
  nMels: number
  /** ggml type of the big weights: f32, f16, q5_0, ... */
  weightType: string
  multilingual: boolean
  /** Token id of <|endoftext|>: ids >= this are special (sot, language, timestamps...). */
  eotId: number
}

const MAGIC = 0x67676d6c // "ggml"
const GGUF_MAGIC = 0x46554747 // "GGUF" (llama.cpp's format; whisper.cpp reads only its own ggml .bin)
const QNT_VERSION_FACTOR = 1000
/** GGML_QNT_VERSION of the ggml built in: quantized blocks of older versions have another layout. */
const QNT_VERSION = 2

// ggml_type -> [name, block size, bytes per block]
const TYPES: Record<number, [string, number, number]> = {
  0: ['f32', 1, 4], 1: ['f16', 1, 2], 2: ['q4_0', 32, 18], 3: ['q4_1', 32, 20], 6: ['q5_0', 32, 22],
  7: ['q5_1', 32, 24], 8: ['q8_0', 32, 34], 10: ['q2_k', 256, 84], 11: ['q3_k', 256, 110], 12: ['q4_k', 256, 144],
  13: ['q5_k', 256, 176], 14: ['q6_k', 256, 210], 30: ['bf16', 1, 2]
}
// file ftype (ggml_ftype) -> ggml_type of the weights, as ggml_ftype_to_ggml_type() maps the ones whisper produces
const FTYPES: Record<number, number> = { 0: 0, 1: 1, 2: 2, 3: 3, 7: 8, 8: 6, 9: 7, 10: 10, 11: 11, 12: 12, 13: 13, 14: 14, 24: 30 }

interface Expected { ne: number[], type: number }

/** The tensor set whisper_model_load() creates for these hyper-parameters (ggml dim order). */
function expectedTensors (h: { nVocab: number, nAudioCtx: number, nState: number, nAudioLayer: number, nTextCtx: number, nTextLayer: number, nMels: number }, wtype: number): Map<string, Expected> {
  const S = h.nState
  const vtype = wtype === 0 ? 0 : 1 // convolutions stay f16 (f32 in all-f32 files)
  const m = new Map<string, Expected>()
  const add = (name: string, ne: number[], type: number): void => { m.set(name, { ne, type }) }
  const layer = (p: string, cross: boolean): void => {
    add(`${p}.mlp_ln.weight`, [S], 0); add(`${p}.mlp_ln.bias`, [S], 0)
    add(`${p}.mlp.0.weight`, [S, 4 * S], wtype); add(`${p}.mlp.0.bias`, [4 * S], 0)
    add(`${p}.mlp.2.weight`, [4 * S, S], wtype); add(`${p}.mlp.2.bias`, [S], 0)
    for (const a of cross ? ['attn', 'cross_attn'] : ['attn']) {
      add(`${p}.${a}_ln.weight`, [S], 0); add(`${p}.${a}_ln.bias`, [S], 0)
      add(`${p}.${a}.query.weight`, [S, S], wtype); add(`${p}.${a}.query.bias`, [S], 0)
      add(`${p}.${a}.key.weight`, [S, S], wtype)
      add(`${p}.${a}.value.weight`, [S, S], wtype); add(`${p}.${a}.value.bias`, [S], 0)
      add(`${p}.${a}.out.weight`, [S, S], wtype); add(`${p}.${a}.out.bias`, [S], 0)
    }
  }
  add('encoder.positional_embedding', [S, h.nAudioCtx], 0)
  add('encoder.conv1.weight', [3, h.nMels, S], vtype); add('encoder.conv1.bias', [1, S], 0)
  add('encoder.conv2.weight', [3, S, S], vtype); add('encoder.conv2.bias', [1, S], 0)
  add('encoder.ln_post.weight', [S], 0); add('encoder.ln_post.bias', [S], 0)
  for (let i = 0; i < h.nAudioLayer; i++) layer(`encoder.blocks.${i}`, false)
  add('decoder.positional_embedding', [S, h.nTextCtx], 0)
  add('decoder.token_embedding.weight', [S, h.nVocab], wtype)
  add('decoder.ln.weight', [S], 0); add('decoder.ln.bias', [S], 0)
  for (let i = 0; i < h.nTextLayer; i++) layer(`decoder.blocks.${i}`, true)
  return m
}

/** Sequential reader over positioned reads, with a read-ahead buffer for the many small vocab entries. */
class Reader {
  pos = 0
  private buf = Buffer.alloc(0)
  private bufStart = 0
  private readonly fh: FileHandle
  readonly size: number
  private readonly fail: (msg: string) => never
  constructor (fh: FileHandle, size: number, fail: (msg: string) => never) {
    this.fh = fh
    this.size = size
    this.fail = fail
  }

  async bytes (n: number, what: string): Promise<Buffer> {
    if (n < 0 || this.pos + n > this.size) this.fail(`truncated: ${what} needs ${n} bytes at offset ${this.pos}, file is ${this.size} bytes`)
    if (this.pos < this.bufStart || this.pos + n > this.bufStart + this.buf.length) {
      const len = Math.min(Math.max(n, 1 << 20), this.size - this.pos)
      this.buf = Buffer.alloc(len)
      await this.fh.read(this.buf, 0, len, this.pos)
      this.bufStart = this.pos
    }
    const off = this.pos - this.bufStart
    this.pos += n
    return this.buf.subarray(off, off + n)
  }

  async i32 (what: string): Promise<number> { return (await this.bytes(4, what)).readInt32LE(0) }
  async u32 (what: string): Promise<number> { return (await this.bytes(4, what)).readUInt32LE(0) }
  skip (n: number, what: string): void {
    if (this.pos + n > this.size) this.fail(`truncated: ${what} needs ${n} bytes at offset ${this.pos}, file is ${this.size} bytes`)
    this.pos += n
  }
}

/**
 * The one English-only rule: whisper's English-only models (`*.en`) have a 51864-token vocabulary, multilingual
 * ones 51865 (51866 for large-v3, whose vocabulary adds 'yue'). Read from the file, never from its name.
 */
export function isMultilingual (nVocab: number): boolean {
  return nVocab >= 51865
}

/**
 * What a file's first bytes say it is. A whisper model: the ggml magic, then n_vocab (vocabSize). whisper.cpp's VAD
 * models (ggml-silero-v6.2.0.bin) share the magic and the `ggml-*.bin` naming, but the magic is followed by a
 * length-prefixed model type ("silero-16k", as whisper_vad_init_with_params reads it): `vad`. Neither: `vocabSize`
 * undefined (the file will not load, and validateModelFile says why).
 */
export interface ModelFileKind { vocabSize: number | undefined, vad: boolean }

const VAD_TYPE_PREFIX = 'silero'

export async function readModelFileKind (path: string): Promise<ModelFileKind> {
  let fh: FileHandle | undefined
  try {
    fh = await open(path, 'r')
    const head = Buffer.alloc(8 + 64)
    const { bytesRead } = await fh.read(head, 0, head.length, 0)
    if (bytesRead < 8 || head.readUInt32LE(0) !== MAGIC) return { vocabSize: undefined, vad: false }
    const n = head.readInt32LE(4)
    if (n > 0 && n <= 64 && bytesRead >= 8 + n && head.toString('latin1', 8, 8 + n).startsWith(VAD_TYPE_PREFIX)) {
      return { vocabSize: undefined, vad: true }
    }
    return { vocabSize: n > 0 ? n : undefined, vad: false }
  } catch {
    return { vocabSize: undefined, vad: false }
  } finally {
    await fh?.close()
  }
}

/** The hyper-parameters, checked, and (keepWords) the vocabulary's words: what precedes the tensors. */
interface Header {
  nVocab: number
  nAudioCtx: number
  nAudioState: number
  nAudioLayer: number
  nTextCtx: number
  nTextLayer: number
  nMels: number
  /** ggml type of the big weights */
  wt: number
  /** Each vocabulary entry's bytes as a latin1 string (one character per byte), in file order; [] unless kept. */
  words: string[]
}

async function readHeader (r: Reader, fail: (msg: string) => never, keepWords: boolean): Promise<Header> {
  const magic = r.size < 4 ? 0 : await r.u32('magic')
  if (magic === GGUF_MAGIC) fail('a GGUF file; whisper.cpp needs its own ggml model format (ggml-*.bin)')
  if (magic !== MAGIC) fail('not a whisper.cpp ggml model (bad magic)')

  const h = await r.bytes(44, 'hyper-parameters')
  const hp = Array.from({ length: 11 }, (_, i) => h.readInt32LE(4 * i))
  const v = (i: number): number => hp[i] as number
  const [nVocab, nAudioCtx, nAudioState, nAudioHead, nAudioLayer] = [v(0), v(1), v(2), v(3), v(4)]
  const [nTextCtx, nTextState, nTextHead, nTextLayer, nMels, ftypeRaw] = [v(5), v(6), v(7), v(8), v(9), v(10)]
  const positive = (x: number, max: number): boolean => x > 0 && x <= max
  if (!positive(nVocab, 1_000_000) || !positive(nAudioCtx, 100_000) || !positive(nAudioState, 65_536) ||
      !positive(nAudioHead, 1024) || !positive(nAudioLayer, 1024) || !positive(nTextCtx, 100_000) ||
      !positive(nTextHead, 1024) || !positive(nTextLayer, 1024) || !positive(nMels, 1024)) {
    fail(`implausible hyper-parameters [${hp.join(', ')}]`)
  }
  if (nTextState !== nAudioState) fail(`n_text_state ${nTextState} != n_audio_state ${nAudioState}`)
  if (nAudioState % nAudioHead !== 0 || nTextState % nTextHead !== 0) fail('state size not divisible by head count')
  const wtype = FTYPES[ftypeRaw % QNT_VERSION_FACTOR]
  if (wtype === undefined) fail(`unsupported weight type (ftype ${ftypeRaw}): this whisper.cpp build cannot run it`)
  const wt = wtype as number
  const qntVersion = Math.floor(ftypeRaw / QNT_VERSION_FACTOR)
  if ((TYPES[wt]?.[1] ?? 1) > 1 && qntVersion !== QNT_VERSION) {
    fail(`${TYPES[wt]?.[0]} weights quantized in ggml's format version ${qntVersion}; this build runs version ` +
      `${QNT_VERSION} only: re-quantize with a current whisper.cpp, or use the published file`)
  }

  const nMel = await r.i32('mel filters')
  const nFft = await r.i32('mel filters')
  // whisper's mel code assumes a 400-point FFT (201 bins) and n_mels rows
  if (nMel !== nMels || nFft !== 201) fail(`mel filter bank is ${nMel}x${nFft}, expected ${nMels}x201`)
  r.skip(nMel * nFft * 4, 'mel filters')

  const nTokens = await r.i32('vocab size')
  if (nTokens < 0 || nTokens > nVocab) fail(`vocab has ${nTokens} entries, more than n_vocab ${nVocab}`)
  const words: string[] = []
  for (let i = 0; i < nTokens; i++) {
    const len = await r.u32('vocab entry')
    if (len > 4096) fail(`vocab entry ${i} has implausible length ${len}`)
    const bytes = await r.bytes(len, 'vocab entry')
    if (keepWords) words.push(bytes.toString('latin1'))
  }
  return { nVocab, nAudioCtx, nAudioState, nAudioLayer, nTextCtx, nTextLayer, nMels, wt, words }
}

/** Runs `read` over the model file at `path`; every problem is a ModelFileError. */
async function readModelFile<T> (path: string, read: (r: Reader, fail: (msg: string) => never) => Promise<T>): Promise<T> {
  const fail = (msg: string): never => { throw new ModelFileError(path, msg) }
  let fh: FileHandle
  try {
    fh = await open(path, 'r')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new ModelFileError(path, code === 'ENOENT' ? 'file not found' : `cannot open (${code ?? String(err)})`)
  }
  try {
    const st = await fh.stat()
    if (!st.isFile()) fail('not a regular file')
    return await read(new Reader(fh, st.size, fail), fail)
  } finally {
    await fh.close()
  }
}

/** What a prompt is tokenized with: the vocabulary's words (latin1 strings of their bytes) and the text context. */
export interface ModelVocabulary {
  words: string[]
  nTextCtx: number
}

/** The vocabulary from a model file's head (it precedes the weights: a few hundred KB read, whatever the model). */
export async function readVocabulary (path: string): Promise<ModelVocabulary> {
  return await readModelFile(path, async (r, fail) => {
    const { words, nTextCtx } = await readHeader(r, fail, true)
    return { words, nTextCtx }
  })
}

export async function validateModelFile (path: string): Promise<ModelFileInfo> {
  return await readModelFile(path, async (r, fail) => {
    const { nVocab, nAudioCtx, nAudioState, nAudioLayer, nTextCtx, nTextLayer, nMels, wt } = await readHeader(r, fail, false)

    const expected = expectedTensors({ nVocab, nAudioCtx, nState: nAudioState, nAudioLayer, nTextCtx, nTextLayer, nMels }, wt)
    const seen = new Set<string>()
    while (r.pos < r.size) {
      const nDims = await r.i32('tensor header')
      const nameLen = await r.i32('tensor header')
      const ttype = await r.i32('tensor header')
      // whisper.cpp reads ne[] into an int32[4]: more dims would overflow it
      if (nDims < 1 || nDims > 4) fail(`tensor header at ${r.pos - 12} has ${nDims} dimensions`)
      if (nameLen < 1 || nameLen > 256) fail(`tensor header at ${r.pos - 12} has name length ${nameLen}`)
      const ne = [1, 1, 1, 1]
      for (let d = 0; d < nDims; d++) ne[d] = await r.i32('tensor shape')
      const name = (await r.bytes(nameLen, 'tensor name')).toString('latin1')
      const exp = expected.get(name)
      if (!exp) fail(`unknown tensor '${name}'`)
      const e = exp as Expected
      if (seen.has(name)) fail(`tensor '${name}' appears twice`)
      seen.add(name)
      const want = [...e.ne, 1, 1, 1].slice(0, 4)
      if (ne.some((v, k) => v !== want[k])) fail(`tensor '${name}' has shape [${ne.join(', ')}], expected [${want.join(', ')}]`)
      if (ttype !== e.type) fail(`tensor '${name}' has type ${TYPES[ttype]?.[0] ?? ttype}, expected ${TYPES[e.type]?.[0] ?? e.type}`)
      const [, blck, bsize] = TYPES[e.type] ?? fail(`tensor '${name}' has unsupported type ${e.type}`)
      if ((ne[0] as number) % blck !== 0) fail(`tensor '${name}' row length ${ne[0]} is not a multiple of the ${TYPES[e.type]?.[0]} block size`)
      const nbytes = ne.reduce((a, b) => a * b, 1) / blck * bsize
      r.skip(nbytes, `data of tensor '${name}'`)
    }
    if (seen.size !== expected.size) {
      const missing = [...expected.keys()].filter((k) => !seen.has(k))
      fail(`truncated or incomplete: ${missing.length} tensors missing (first: '${missing[0]}')`)
    }
    const multilingual = isMultilingual(nVocab)
    return {
      path,
      sizeBytes: r.size,
      nVocab,
      nAudioCtx,
      nState: nAudioState,
      nAudioLayer,
      nTextLayer,
      nMels,
      weightType: TYPES[wt]?.[0] ?? String(wt),
      multilingual,
      eotId: multilingual ? 50257 : 50256
    }
  })
}
