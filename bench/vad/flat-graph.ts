// Silero's ONNX graph with its top-level If (sr == 16000 ? 16 kHz branch : 8 kHz branch) inlined, against the
// shipped graph: CPU per window at batch 1 (the live route's shape) and 32 (the file route's), and whether the
// outputs are the same. Not used by the server (it would need onnx-proto, a dev dependency, at run time, or a
// converted model file shipped): a measurement for deciding that.
//
//   node --import tsx bench/vad/flat-graph.ts
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import * as ort from 'onnxruntime-node'
import { sileroModelPath } from '../../src/transcription/vad/silero-runner.ts'

const require = createRequire(import.meta.url)
const { onnx } = require('onnx-proto') as { onnx: any }
const model = onnx.ModelProto.decode(readFileSync(sileroModelPath()))
const graph = model.graph

/** The graph with the If's branch for `rate` in its place (sr no longer an input). */
function inlined (rate: 8000 | 16000): Uint8Array {
  const constant = graph.node[0]
  const equal = graph.node.find((n: { opType: string }) => n.opType === 'Equal')
  const iff = graph.node.find((n: { opType: string }) => n.opType === 'If')
  const at = Number(constant.attribute[0].t.int64Data[0]) // the rate the If's then_branch is for
  const branch = iff.attribute.find((a: { name: string }) => a.name === (rate === at ? 'then_branch' : 'else_branch')).g
  const nodes = [...branch.node, ...branch.output.map((o: { name: string }, i: number) =>
    onnx.NodeProto.create({ opType: 'Identity', name: `inlined_${i}`, input: [o.name], output: [iff.output[i]] }))]
  const rest = graph.node.filter((n: unknown) => n !== constant && n !== equal && n !== iff)
  const flat = onnx.GraphProto.create({ ...graph, node: [...nodes, ...rest], input: graph.input.filter((i: { name: string }) => i.name !== 'sr') })
  return onnx.ModelProto.encode(onnx.ModelProto.create({ ...model, graph: flat })).finish()
}

const options = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', logSeverityLevel: 3 } as const
const shipped = await ort.InferenceSession.create(sileroModelPath(), options)
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
console.log('| rate | batch | shipped graph, CPU ms per window | If inlined, CPU ms per window | same outputs |\n| --- | --- | --- | --- | --- |')
for (const [rate, size] of [[16000, 576], [8000, 288]] as const) {
  const flat = await ort.InferenceSession.create(inlined(rate), options)
  const sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(rate)]), [])
  for (const batch of [1, 32]) {
    const input = Float32Array.from({ length: batch * size }, (_, i) => Math.sin(i * 0.01) * 0.1)
    const runs: Array<{ ms: number, out: Float32Array }> = []
    for (const [session, extra] of [[shipped, { sr }], [flat, {}]] as const) {
      let state: ort.Tensor = new ort.Tensor('float32', new Float32Array(batch * 256), [2, batch, 128])
      let out: Float32Array = new Float32Array(0)
      const calls = Math.round(6000 / batch)
      const c = cpuMs()
      for (let i = 0; i < calls; i++) {
        const r = await session.run({ ...extra, input: new ort.Tensor('float32', input, [batch, size]), state })
        state = r.stateN as ort.Tensor
        out = (r.output as ort.Tensor).data as Float32Array
      }
      runs.push({ ms: (cpuMs() - c) / (calls * batch), out })
    }
    const [a, b] = runs as [{ ms: number, out: Float32Array }, { ms: number, out: Float32Array }]
    const same = a.out.every((x, i) => x === b.out[i])
    console.log(`| ${rate} | ${batch} | ${a.ms.toFixed(4)} | ${b.ms.toFixed(4)} | ${same ? 'yes' : 'no'} |`)
  }
  await flat.release()
}
await shipped.release()
