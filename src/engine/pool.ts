/**
 * Resident whisper models with an LRU cap (MAX_LOADED_MODELS).
 *
 * Entries are keyed by file identity (path + size + mtime), so a model file replaced on disk (re-download) is
 * loaded afresh and the old context ages out. A model in use is never freed: freeing a context under a running
 * whisper_full is a use-after-free in native code. When every resident model is busy the cap is exceeded
 * temporarily and restored as soon as one is released.
 */
import { loadNativeModel, setSpinYield, setWhisperLog, type NativeModel } from './binding.ts'
import { validateModelFile, type ModelFileInfo } from './model-file.ts'
import type { ModelDescription } from './types.ts'
import type { Logger } from './types.ts'

export interface Lease {
  readonly model: NativeModel
  readonly info: ModelFileInfo
  /** Idempotent. */
  release(): void
}

interface Entry {
  key: string
  name: string
  refs: number
  lastUsed: number
  loading: Promise<{ model: NativeModel, info: ModelFileInfo }>
  model?: NativeModel
}

export interface PoolOptions {
  maxLoaded: number
  /** pino level for whisper.cpp's own log lines (its warnings and errors keep theirs). */
  whisperLogLevel?: 'info' | 'debug'
  logger?: Logger
  /** WHISPER_SPIN_YIELD (see setSpinYield); unset leaves the addon's setting. Process-wide, last pool decides. */
  spinYield?: number
}

/** One entry per file version: the uuid changes with the file's size and mtime (registry.ts modelUuid). */
const fileKey = (m: PooledModel): string => `${m.path}|${m.uuid}`

/** What the pool needs of a model: its file and that file's version. */
export type PooledModel = Pick<ModelDescription, 'name' | 'path' | 'uuid'>

export class ModelPool {
  private readonly entries = new Map<string, Entry>()
  private readonly freeing = new Set<Promise<void>>()
  private clock = 0
  private readonly maxLoaded: number

  private readonly opts: PoolOptions
  constructor (opts: PoolOptions) {
    this.opts = opts
    this.maxLoaded = Math.max(1, Math.floor(opts.maxLoaded))
  }

  isLoaded (m: PooledModel): boolean {
    return this.entries.get(fileKey(m))?.model !== undefined
  }

  /** Names of resident models, most recently used first. */
  loadedNames (): string[] {
    return [...this.entries.values()].filter((e) => e.model).sort((a, b) => b.lastUsed - a.lastUsed).map((e) => e.name)
  }

  /** Validates and loads the model if needed, and pins it until the lease is released. */
  async acquire (m: PooledModel): Promise<Lease> {
    const key = fileKey(m)
    let entry = this.entries.get(key)
    if (!entry) {
      this.evictIdle(this.maxLoaded - 1) // make room before allocating another context
      const e: Entry = { key, name: m.name, refs: 0, lastUsed: 0, loading: this.load(m) }
      e.loading.then(({ model }) => { e.model = model }, () => {
        if (this.entries.get(key) === e) this.entries.delete(key)
      })
      this.entries.set(key, e)
      entry = e
    }
    const e = entry
    e.refs++
    e.lastUsed = ++this.clock
    let loaded: { model: NativeModel, info: ModelFileInfo }
    try {
      loaded = await e.loading
    } catch (err) {
      e.refs--
      throw err
    }
    let released = false
    return {
      model: loaded.model,
      info: loaded.info,
      release: () => {
        if (released) return
        released = true
        e.refs--
        e.lastUsed = ++this.clock
        this.evictIdle(this.maxLoaded)
      }
    }
  }

  /** Frees every model; callers must have released their leases (the engine drains its queue first). */
  async close (): Promise<void> {
    const entries = [...this.entries.values()]
    this.entries.clear()
    await Promise.allSettled(entries.map(async (e) => { await (await e.loading).model.free() }))
    await Promise.allSettled([...this.freeing])
  }

  private async load (m: PooledModel): Promise<{ model: NativeModel, info: ModelFileInfo }> {
    const info = await validateModelFile(m.path)
    const started = Date.now()
    this.routeWhisperLog()
    if (this.opts.spinYield !== undefined) setSpinYield(this.opts.spinYield)
    const model = await loadNativeModel(m.path)
    this.opts.logger?.info({ model: m.name, ms: Date.now() - started, weights: info.weightType }, 'whisper model loaded')
    return { model, info }
  }

  private logRouted = false
  private routeWhisperLog (): void {
    const logger = this.opts.logger
    if (this.logRouted || !logger) return
    this.logRouted = true
    const base = this.opts.whisperLogLevel ?? 'debug'
    setWhisperLog((level, line) => {
      const l = level === 'warn' || level === 'error' ? level : base
      if (l === 'debug') logger.debug?.({ whisper: line }, 'whisper.cpp')
      else logger[l]({ whisper: line }, 'whisper.cpp')
    })
  }

  private evictIdle (limit: number): void {
    while (this.entries.size > limit) {
      let victim: Entry | undefined
      for (const e of this.entries.values()) {
        if (e.refs === 0 && e.model && (!victim || e.lastUsed < victim.lastUsed)) victim = e
      }
      if (!victim) return // everything is busy or still loading
      this.entries.delete(victim.key)
      const name = victim.name
      const p = victim.model!.free().then(
        () => { this.opts.logger?.info({ model: name }, 'whisper model unloaded') },
        (err: unknown) => { this.opts.logger?.error({ model: name, err }, 'freeing whisper model failed') })
      this.freeing.add(p)
      void p.finally(() => this.freeing.delete(p))
    }
  }
}
