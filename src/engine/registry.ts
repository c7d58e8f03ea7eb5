/**
 * The models directory: every `ggml-<name>.bin` in it is an installed model called `<name>`.
 *
 * Names in requests (`?model=`) resolve in this order, case-insensitively:
 * 1. an installed name, after stripping an optional `ggml-` prefix and `.bin` suffix (`ggml-tiny.en.bin`);
 * 2. an alias (src/engine/aliases.ts: MODEL_ALIASES, then the built-in rules for Deepgram's and OpenAI's names);
 * 3. an installed name after an optional `whisper-` prefix (`whisper-tiny.en` selects tiny.en).
 * There is no fuzzy fallback (`tiny` does not select tiny.en): an unknown name is a 400 listing the installed
 * models and the aliases.
 *
 * whisper.cpp's VAD models (ggml-silero-v6.2.0.bin) live in the same directory under the same naming; they are not
 * whisper models, so no listing (GET /v1/models, `earshot models list`) shows them and no request selects them:
 * known by name, and by header whatever the name.
 */
import { createHash } from 'node:crypto'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { badRequest, quoted } from '../errors.ts'
import { DEFAULT_ALIAS_RULES, describeRules, matchAlias, targetCandidates, type AliasRule } from './aliases.ts'
import { isMultilingual, readModelFileKind, type ModelFileKind } from './model-file.ts'

export interface InstalledModel {
  name: string
  path: string
  sizeBytes: number
  mtimeMs: number
  /** Stable per file version: name + size + mtime. */
  uuid: string
  /** From the file header (n_vocab); a file without a readable header counts as multilingual (it will not load). */
  multilingual: boolean
  /** n_vocab from the header; 0 when unreadable. */
  vocabSize: number
}

/** What a request says about its language, for choosing between an alias target's `.en` and multilingual files. */
export interface ModelRequest {
  /** The request's language tag; unset means English (Deepgram's default). */
  language?: string | undefined
  /** Language detection asked (OpenAI without `language`, Deepgram `detect_language`): not an English request. */
  detectLanguage?: boolean | undefined
}

export interface RegistryOptions {
  /** How long resolve() may reuse the last listing (see the constructor). */
  cacheMs?: number
  /** MODEL_ALIASES rules; the built-in ones apply after them. */
  aliases?: AliasRule[]
  /** What the alias target `default` means. */
  defaultModel?: string
}

const FILE_RE = /^ggml-(.+)\.bin$/
/** whisper.cpp's VAD models' names (ggml-silero-v5.1.2.bin, ggml-silero-v6.2.0.bin): skipped without a read. */
const VAD_FILE_RE = /^ggml-silero-/i
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

const isEnglish = (request: ModelRequest): boolean => {
  if (request.detectLanguage === true) return false
  const tag = request.language?.trim().toLowerCase()
  return tag === undefined || tag === '' || tag === 'en' || tag.startsWith('en-') || tag.startsWith('en_')
}

export class ModelRegistry {
  private cache: { at: number, models: InstalledModel[] } | undefined
  /** What each file version (path|size|mtime) is: each file's header is read once. */
  private readonly kinds = new Map<string, ModelFileKind>()
  private readonly cacheMs: number
  private readonly aliases: AliasRule[]
  private readonly defaultModel: string | undefined

  /**
   * cacheMs: besides saving a readdir per request, a warm cache means a request reaches the queue without
   * waiting on I/O, so admission order = arrival order. A name missing from the cache always triggers a fresh
   * listing (a model downloaded a moment ago is found).
   */
  readonly dir: string
  constructor (dir: string, options: RegistryOptions = {}) {
    this.dir = dir
    this.cacheMs = options.cacheMs ?? 2000
    this.aliases = options.aliases ?? []
    this.defaultModel = options.defaultModel
  }

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
      if (!m || VAD_FILE_RE.test(file)) continue
      const name = m[1] as string
      const path = join(this.dir, file)
      try {
        const st = await stat(path)
        if (!st.isFile()) continue
        const key = `${path}|${st.size}|${Math.round(st.mtimeMs)}`
        let kind = this.kinds.get(key)
        if (kind === undefined) {
          kind = await readModelFileKind(path)
          this.kinds.set(key, kind)
        }
        if (kind.vad) continue
        const vocabSize = kind.vocabSize ?? 0
        models.push({
          name, path, sizeBytes: st.size, mtimeMs: st.mtimeMs, uuid: modelUuid(name, st.size, st.mtimeMs),
          multilingual: vocabSize === 0 || isMultilingual(vocabSize), vocabSize
        })
      } catch {} // removed between readdir and stat
    }
    models.sort((a, b) => a.name.localeCompare(b.name))
    this.cache = { at: performance.now(), models }
    return models
  }

  /** The installed model a request names (see the file comment); AppError 400 naming installed models and aliases. */
  async resolve (query: string, request: ModelRequest = {}): Promise<InstalledModel> {
    return await this.lookup(query, request, true)
  }

  /** An installed model by its own name (`ggml-`/`.bin`/`whisper-` spellings too), never an alias: DEFAULT_MODEL. */
  async resolveInstalled (name: string): Promise<InstalledModel> {
    return await this.lookup(name, {}, false)
  }

  private async lookup (query: string, request: ModelRequest, aliases: boolean): Promise<InstalledModel> {
    if (this.cache !== undefined && performance.now() - this.cache.at < this.cacheMs) {
      const cached = this.find(this.cache.models, query, request, aliases)
      if (cached.model) return cached.model
    }
    const installed = await this.list()
    const { model, alias } = this.find(installed, query, request, aliases)
    if (model) return model
    const names = installed.map((m) => m.name)
    const have = names.length > 0 ? `Installed models: ${names.join(', ')}.` : 'No models are installed.'
    if (alias !== undefined) {
      throw badRequest(`Model ${quoted(query)} is an alias of ${alias.targets.map((t) => `'${t}'`).join(' or ')}, ` +
        `which is not installed. ${have}`, { field: 'model' })
    }
    const known = aliases ? ` Aliases (MODEL_ALIASES): ${describeRules([...this.aliases, ...DEFAULT_ALIAS_RULES])}.` : ''
    throw badRequest(`Unknown model ${quoted(query)}. ${have}${known}`, { field: 'model' })
  }

  private find (models: InstalledModel[], query: string, request: ModelRequest, aliases: boolean): { model?: InstalledModel, alias?: AliasRule } {
    const byName = (name: string): InstalledModel | undefined => models.find((m) => m.name.toLowerCase() === name)
    const [literal, ...rest] = candidateNames(query) as [string, ...string[]]
    const exact = byName(literal)
    if (exact) return { model: exact }
    const alias = aliases ? matchAlias(this.aliases, literal) ?? matchAlias(DEFAULT_ALIAS_RULES, literal) : undefined
    if (alias !== undefined) {
      for (const target of alias.targets) {
        for (const name of targetCandidates(target, this.defaultModel ?? literal, isEnglish(request))) {
          const model = byName(name)
          if (model) return { model }
        }
      }
      return { alias }
    }
    for (const name of rest) {
      const model = byName(name)
      if (model) return { model }
    }
    return {}
  }
}
