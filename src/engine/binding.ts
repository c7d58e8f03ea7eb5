/**
 * The only module that touches smart-whisper's native addon.
 *
 * Why not `import { WhisperModel, TranscribeTask } from 'smart-whisper'`: the package entry also runs its model
 * manager, which creates ~/.smart-whisper/models in the user's home on import (surprising for a server that keeps
 * models in MODELS_DIR, and it fails on read-only homes). Loading build/Release/smart-whisper.node directly gives
 * the same two primitives without that side effect; `runTranscription` below is what TranscribeTask.run does,
 * minus its EventEmitter. The `Whisper` convenience class is avoided on purpose: it keeps every task forever.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { TranscribeParams } from 'smart-whisper'

export interface NativeToken {
  text: string
  id: number
  p: number
  /** milliseconds (token_timestamps on) */
  from?: number
  to?: number
}

export interface NativeSegment {
  /** milliseconds */
  from: number
  to: number
  text: string
  lang: string
  confidence: number
  tokens: NativeToken[]
}

/** A loaded whisper context. Must not be freed while a transcription uses it. */
export interface NativeModel {
  readonly handle: unknown
  readonly freed: boolean
  free(): Promise<void>
}

interface NativeAddon {
  WhisperModel: { load(file: string, gpu?: boolean): Promise<NativeModel> }
  transcribe(handle: unknown, pcm: Float32Array, params: Partial<TranscribeParams<'detail', true>>,
    finish: (result: NativeSegment[] | Error) => void, progress: (segment: NativeSegment) => void): void
}

let addon: NativeAddon | undefined

/** Path of the compiled addon (whether or not it exists). */
export function addonPath (): string {
  const require = createRequire(import.meta.url)
  return join(dirname(require.resolve('smart-whisper/package.json')), 'build/Release/smart-whisper.node')
}

/**
 * Loads the addon once per process. `quiet` silences whisper.cpp's own stderr logging (model load details, a few
 * lines per transcription): the addon installs a no-op logger when NODE_ENV is 'production' at load time, so it
 * is set for the duration of the synchronous require. First caller decides for the whole process.
 */
export function loadAddon (opts: { quiet?: boolean } = {}): NativeAddon {
  if (addon) return addon
  const path = addonPath()
  if (!existsSync(path)) {
    throw new Error(`smart-whisper's native addon is not built (${path} missing); run: node scripts/build-whisper.mjs`)
  }
  // what the package's entry sets before loading the addon (Metal shader lookup on macOS)
  process.env.GGML_METAL_PATH_RESOURCES ??= join(dirname(path), '../../whisper.cpp/ggml/src')
  const saved = process.env.NODE_ENV
  if (opts.quiet === true) process.env.NODE_ENV = 'production'
  try {
    addon = createRequire(import.meta.url)(path) as NativeAddon
  } finally {
    if (saved === undefined) delete process.env.NODE_ENV
    else process.env.NODE_ENV = saved
  }
  return addon
}

/** Loads a model file. Only ever call with a file validateModelFile() accepted: a bad file kills the process. */
export async function loadNativeModel (path: string, quiet?: boolean): Promise<NativeModel> {
  return await loadAddon({ quiet }).WhisperModel.load(path, false)
}

/**
 * One whisper_full run on a fresh whisper state. The addon reports failure by passing an Error to the completion
 * callback (resolving, not rejecting), so that case is turned into a rejection here.
 */
export async function runTranscription (model: NativeModel, pcm: Float32Array,
  params: Partial<TranscribeParams<'detail', true>>): Promise<NativeSegment[]> {
  const handle = model.handle
  if (model.freed || handle === null) throw new Error('whisper model has been freed')
  return await new Promise((resolve, reject) => {
    loadAddon().transcribe(handle, pcm, { ...params, format: 'detail' }, (result) => {
      if (result instanceof Error) reject(new Error(`whisper transcription failed: ${result.message}`, { cause: result }))
      else if (!Array.isArray(result)) reject(new Error('whisper transcription failed: unexpected result from the addon'))
      else resolve(result)
    }, () => {})
  })
}
