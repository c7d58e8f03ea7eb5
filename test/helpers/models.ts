// Synthetic whisper models for tests, generated once and cached under test/.cache/models/.
// Several test files run in parallel processes: generateModel writes to a temp file and renames it into
// place, so a racing reader sees either no file or a complete one (at worst two processes both generate).
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_PHRASE, generateModel, phraseTokens, type Arch, type WeightType } from '../../scripts/generate-model.mjs'

export type { Arch, WeightType }
export const CACHE_DIR = fileURLToPath(new URL('../.cache/models/', import.meta.url))
/** What every synthetic model transcribes each 30 s window as. */
export const TEST_PHRASE = DEFAULT_PHRASE
export const TEST_PHRASE_TOKENS = phraseTokens(DEFAULT_PHRASE)

// the cache is keyed by the generator's source, so editing the generator invalidates it
const GENERATOR_HASH = createHash('sha1')
  .update(readFileSync(fileURLToPath(new URL('../../scripts/generate-model.mjs', import.meta.url))))
  .digest('hex').slice(0, 10)

/** Path of a cached synthetic model `ggml-<arch>[-<type>].bin` (generated on first use). */
export function testModel (arch: Arch = 'tiny.en', type: WeightType = 'f16'): string {
  const dir = join(CACHE_DIR, GENERATOR_HASH)
  const path = join(dir, `ggml-${arch}${type === 'f16' ? '' : `-${type}`}.bin`)
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true })
    generateModel(path, { arch, type })
  }
  return path
}

/**
 * Installs the cached model into `dir` as ggml-<name>.bin (a copy: tests may change mtimes or delete files).
 * Returns the installed path.
 */
export function installTestModel (dir: string, arch: Arch, name: string = arch): string {
  mkdirSync(dir, { recursive: true })
  const dest = join(dir, `ggml-${name}.bin`)
  const tmp = `${dest}.tmp-${process.pid}`
  copyFileSync(testModel(arch), tmp)
  renameSync(tmp, dest)
  return dest
}

/**
 * A whisper.cpp VAD model's header (what whisper_vad_init_with_params reads first: the ggml magic, the model type
 * "silero-16k", version 6.2.0, window 512, context 64) as `dir/file`: enough to tell it from a whisper model.
 */
export function installVadModelFile (dir: string, file = 'ggml-silero-v6.2.0.bin'): string {
  mkdirSync(dir, { recursive: true })
  const type = Buffer.from('silero-16k')
  const ints = (...xs: number[]): Buffer => Buffer.from(new Int32Array(xs).buffer)
  const dest = join(dir, file)
  writeFileSync(dest, Buffer.concat([ints(0x67676d6c, type.length), type, ints(6, 2, 0, 512, 64, 4), Buffer.alloc(4096)]))
  return dest
}

/** Deterministic test audio: a 440 Hz tone with a little noise, 16 kHz mono. */
export function testAudio (seconds: number, seed = 1): Float32Array {
  const pcm = new Float32Array(Math.round(seconds * 16000))
  let s = seed >>> 0 || 1
  for (let i = 0; i < pcm.length; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0
    pcm[i] = 0.1 * Math.sin(2 * Math.PI * 440 * i / 16000) + 0.02 * (s / 4294967296 - 0.5)
  }
  return pcm
}
