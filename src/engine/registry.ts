/**
 * The models directory: every `ggml-<name>.bin` in it is an installed model called `<name>`.
 *
 * Names in requests (`?model=`) are matched case-insensitively after stripping an optional `ggml-` prefix and
 * `.bin` suffix, and an optional `whisper-` prefix (Deepgram names its hosted Whisper models `whisper-tiny`,
 * `whisper-base`, ...): `tiny.en`, `ggml-tiny.en.bin` and `whisper-tiny.en` all select ggml-tiny.en.bin. There is
 * no fuzzy fallback (`tiny` does not select tiny.en): an unknown name is a 400 listing what is installed.
 */
import { createHash } from 'node:crypto'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { badRequest } from '../errors.ts'

export interface InstalledModel {
  name: string
  path: string
  sizeBytes: number
  mtimeMs: number
  /** Stable per file version: name + size + mtime. */
  uuid: string
}

const FILE_RE = /^ggml-(.+)\.bin$/
/** What a model name may contain: it becomes part of a file path. */
export const MODEL_NAME_RE = /^[a-z0-9][a-z0-9._-]*$/

export function modelFileName (name: string): string {
  return `ggml-${name}.bin`
}

/** A uuid-shaped (version 5 style) id derived from the file identity, so it survives restarts. */
export function modelUuid (name: string, sizeBytes: number, mtimeMs: number): string {
  const h = createHash('sha1').update(`earshot-model\0${name}\0${sizeBytes}\0${Math.round(mtimeMs)}`).digest()
  h[6] = ((h[6] as number) & 0x0f) | 0x50
  h[8] = ((h[8] as number) & 0x3f) | 0x80
  const x = h.subarray(0, 16).toString('hex')
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`
}

/** Candidate installed names for a requested model name, most literal first. */
export function candidateNames (query: string): string[] {
  let q = query.trim().toLowerCase()
  const fm = FILE_RE.exec(q)
  if (fm) q = fm[1] as string
  const out = [q]
  if (q.startsWith('whisper-')) out.push(q.slice('whisper-'.length))
  return out
}

export class ModelRegistry {
  private cache: { at: number, models: InstalledModel[] } | undefined

  /**
   * @param cacheMs how long resolve() may reuse the last listing. Besides saving a readdir per request, a warm
   * cache means a request reaches the queue without waiting on I/O, so admission order = arrival order.
   * A name missing from the cache always triggers a fresh listing (a model downloaded a moment ago is found).
   */
  constructor (readonly dir: string, private readonly cacheMs = 2000) {}

  pathFor (name: string): string {
    return join(this.dir, modelFileName(name))
  }

  /** Installed models sorted by name. A missing directory is an empty list, not an error. */
  async list (): Promise<InstalledModel[]> {
    let names: string[]
    try {
      names = await readdir(this.dir)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
    const models: InstalledModel[] = []
    for (const file of names) {
      const m = FILE_RE.exec(file)
      if (!m) continue
      const name = m[1] as string
      const path = join(this.dir, file)
      try {
        const st = await stat(path)
        if (!st.isFile()) continue
        models.push({ name, path, sizeBytes: st.size, mtimeMs: st.mtimeMs, uuid: modelUuid(name, st.size, st.mtimeMs) })
      } catch {} // removed between readdir and stat
    }
    models.sort((a, b) => a.name.localeCompare(b.name))
    this.cache = { at: performance.now(), models }
    return models
  }

  /** The installed model a request names; AppError 400 naming the installed ones otherwise. */
  async resolve (query: string): Promise<InstalledModel> {
    const find = (models: InstalledModel[]): InstalledModel | undefined => {
      for (const c of candidateNames(query)) {
        const hit = models.find((m) => m.name.toLowerCase() === c)
        if (hit) return hit
      }
      return undefined
    }
    const cached = this.cache !== undefined && performance.now() - this.cache.at < this.cacheMs ? find(this.cache.models) : undefined
    if (cached) return cached
    const installed = await this.list()
    const hit = find(installed)
    if (hit) return hit
    const names = installed.map((m) => m.name)
    throw badRequest(names.length > 0
      ? `Unknown model '${query}'. Installed models: ${names.join(', ')}.`
      : `Unknown model '${query}'. No models are installed.`)
  }
}
