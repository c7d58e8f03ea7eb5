/**
 * Downloads `ggml-<name>.bin` from MODEL_BASE_URL into the models directory.
 *
 * Integrity: the Content-Length must be honoured (a cut connection is an error, not a short model); for the
 * standard models the size and SHA-1 must match whisper.cpp's published table (models/README.md upstream
 * lists SHA-1; sizes are the Hugging Face file sizes); every file must pass validateModelFile, which is also what
 * stands between a bad download and a segfault at load. The file is written to a temp name in the same directory
 * and renamed into place, so the server never sees half a model.
 */
import { createHash } from 'node:crypto'
import { mkdir, open, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { validateModelFile } from './model-file.ts'
import { MODEL_NAME_RE, modelFileName } from './registry.ts'

export const DEFAULT_MODEL_BASE_URL = 'https://huggingface.co/ggerganov/whisper.cpp/resolve/main'

/** Where `ggml-<name>.bin` lives under a base URL (trailing slashes on the base are ignored). */
export const modelDownloadUrl = (name: string, baseUrl: string = DEFAULT_MODEL_BASE_URL): string =>
  `${baseUrl.replace(/\/+$/, '')}/${modelFileName(name)}`

/** sizeBytes is known for the full-precision files; the quantized ones are checked by SHA-1 only. */
export interface KnownModel { sizeBytes?: number, sha1: string }

/**
 * whisper.cpp's standard ggml models, SHA-1 from whisper.cpp models/README.md and the model card of
 * huggingface.co/ggerganov/whisper.cpp (which lists the quantized files: q5_1 and q8_0 up to small, q5_0 and q8_0
 * from medium; there is no published q5_0 of tiny/base/small).
 */
export const KNOWN_MODELS: Readonly<Record<string, KnownModel>> = {
  tiny: { sizeBytes: 77691713, sha1: 'bd577a113a864445d4c299885e0cb97d4ba92b5f' },
  'tiny.en': { sizeBytes: 77704715, sha1: 'c78c86eb1a8faa21b369bcd33207cc90d64ae9df' },
  base: { sizeBytes: 147951465, sha1: '465707469ff3a37a2b9b8d8f89f2f99de7299dac' },
  'base.en': { sizeBytes: 147964211, sha1: '137c40403d78fd54d454da0f9bd998f78703390c' },
  small: { sizeBytes: 487601967, sha1: '55356645c2b361a969dfd0ef2c5a50d530afd8d5' },
  'small.en': { sizeBytes: 487614201, sha1: 'db8a495a91d927739e50b3fc1cc4c6b8f6c2d022' },
  medium: { sizeBytes: 1533763059, sha1: 'fd9727b6e1217c2f614f9b698455c4ffd82463b4' },
  'medium.en': { sizeBytes: 1533774781, sha1: '8c30f0e44ce9560643ebd10bbe50cd20eafd3723' },
  'large-v3': { sizeBytes: 3095033483, sha1: 'ad82bf6a9043ceed055076d0fd39f5f186ff8062' },
  'large-v3-turbo': { sizeBytes: 1624555275, sha1: '4af2b29d7ec73d781377bfd1758ca957a807e941' },
  'tiny-q5_1': { sha1: '2827a03e495b1ed3048ef28a6a4620537db4ee51' },
  'tiny-q8_0': { sha1: '19e8118f6652a650569f5a949d962154e01571d9' },
  'tiny.en-q5_1': { sha1: '3fb92ec865cbbc769f08137f22470d6b66e071b6' },
  'tiny.en-q8_0': { sha1: '802d6668e7d411123e672abe4cb6c18f12306abb' },
  'base-q5_1': { sha1: 'a3733eda680ef76256db5fc5dd9de8629e62c5e7' },
  'base-q8_0': { sha1: '7bb89bb49ed6955013b166f1b6a6c04584a20fbe' },
  'base.en-q5_1': { sha1: 'd26d7ce5a1b6e57bea5d0431b9c20ae49423c94a' },
  'base.en-q8_0': { sha1: 'bb1574182e9b924452bf0cd1510ac034d323e948' },
  'small-q5_1': { sha1: '6fe57ddcfdd1c6b07cdcc73aaf620810ce5fc771' },
  'small-q8_0': { sha1: 'bcad8a2083f4e53d648d586b7dbc0cd673d8afad' },
  'small.en-q5_1': { sha1: '20f54878d608f94e4a8ee3ae56016571d47cba34' },
  'small.en-q8_0': { sha1: '9d75ff4ccfa0a8217870d7405cf8cef0a5579852' },
  'medium-q5_0': { sha1: '7718d4c1ec62ca96998f058114db98236937490e' },
  'medium-q8_0': { sha1: 'e66645948aff4bebbec71b3485c576f3d63af5d6' },
  'medium.en-q5_0': { sha1: 'bb3b5281bddd61605d6fc76bc5b92d8f20284c3b' },
  'medium.en-q8_0': { sha1: 'b1cf48c12c807e14881f634fb7b6c6ca867f6b38' },
  'large-v3-q5_0': { sha1: 'e6e2ed78495d403bef4b7cff42ef4aaadcfea8de' },
  'large-v3-turbo-q5_0': { sha1: 'e050f7970618a659205450ad97eb95a18d69c9ee' },
  'large-v3-turbo-q8_0': { sha1: '01bf15bedffe9f39d65c1b6ff9b687ea91f59e0e' }
}

export interface DownloadOptions {
  modelsDir: string
  /** MODEL_BASE_URL; the file URL is `${baseUrl}/ggml-<name>.bin`. */
  baseUrl?: string
  /** Where progress goes (default process.stderr; a bar when it is a TTY, plain lines otherwise); false = silent. */
  progress?: NodeJS.WritableStream | false
  /** Replace an existing file (default: keep it and return skipped). */
  force?: boolean
  signal?: AbortSignal
  /** Abort when no bytes arrive for this long (default 60 s). */
  idleTimeoutMs?: number
  /** Override the built-in expectations (e.g. for a custom mirror or tests). */
  expected?: { sizeBytes?: number, sha1?: string, sha256?: string }
}

export interface DownloadResult {
  name: string
  path: string
  sizeBytes: number
  sha1: string
  sha256: string
  /** Strongest check that passed. */
  verified: 'sha256' | 'sha1' | 'size'
  /** The file was already there and was left alone. */
  skipped: boolean
}

export class DownloadError extends Error {
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'DownloadError'
  }
}

const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`

function progressReporter (out: NodeJS.WritableStream | false, file: string, total: number | undefined) {
  const tty = out !== false && (out as { isTTY?: boolean }).isTTY === true
  const started = performance.now()
  let lastDraw = 0
  const draw = (done: number, final: boolean): void => {
    if (out === false || !tty) return
    const now = performance.now()
    if (!final && now - lastDraw < 100) return
    lastDraw = now
    const rate = done / Math.max(0.001, (now - started) / 1000)
    if (total) {
      const frac = Math.min(1, done / total)
      const bar = '#'.repeat(Math.round(frac * 30)).padEnd(30, '.')
      out.write(`\r${file} [${bar}] ${String(Math.floor(frac * 100)).padStart(3)}% ${mb(done)}/${mb(total)} ${mb(rate)}/s `)
    } else {
      out.write(`\r${file} ${mb(done)} ${mb(rate)}/s `)
    }
  }
  return {
    start (url: string) { if (out !== false) out.write(`downloading ${file}${total ? ` (${mb(total)})` : ''} from ${url}\n`) },
    update (done: number) { draw(done, false) },
    end (done: number, note: string) {
      draw(done, true)
      if (out !== false) out.write(`${tty ? '\n' : ''}downloaded ${file}: ${mb(done)} in ${((performance.now() - started) / 1000).toFixed(1)} s, ${note}\n`)
    }
  }
}

export async function downloadModel (name: string, opts: DownloadOptions): Promise<DownloadResult> {
  if (!MODEL_NAME_RE.test(name)) throw new DownloadError(`invalid model name '${name}'`)
  const file = modelFileName(name)
  const dest = join(opts.modelsDir, file)
  const known = KNOWN_MODELS[name]
  const expected = { sizeBytes: known?.sizeBytes, sha1: known?.sha1, sha256: undefined as string | undefined, ...opts.expected }

  if (opts.force !== true) {
    const st = await stat(dest).catch(() => undefined)
    if (st?.isFile() === true) {
      return { name, path: dest, sizeBytes: st.size, sha1: '', sha256: '', verified: 'size', skipped: true }
    }
  }
  await mkdir(opts.modelsDir, { recursive: true })
  const url = modelDownloadUrl(name, opts.baseUrl)

  const ctrl = new AbortController()
  const onAbort = (): void => ctrl.abort(opts.signal?.reason)
  opts.signal?.addEventListener('abort', onAbort, { once: true })
  let idle: NodeJS.Timeout | undefined
  const armIdle = (): void => {
    clearTimeout(idle)
    idle = setTimeout(() => ctrl.abort(new DownloadError(`no data for ${(opts.idleTimeoutMs ?? 60_000) / 1000} s`)), opts.idleTimeoutMs ?? 60_000)
  }
  const tmp = join(opts.modelsDir, `.${file}.${process.pid}.${Math.random().toString(36).slice(2)}.part`)
  try {
    armIdle()
    let res: Response
    try {
      res = await fetch(url, { redirect: 'follow', signal: ctrl.signal })
    } catch (err) {
      throw new DownloadError(`cannot download ${url}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`, { cause: err })
    }
    if (res.status === 404) throw new DownloadError(`model '${name}' not found at ${url} (HTTP 404)`)
    if (!res.ok || !res.body) throw new DownloadError(`cannot download ${url}: HTTP ${res.status} ${res.statusText}`)
    const lengthHeader = res.headers.get('content-length')
    const contentLength = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined
    if (contentLength !== undefined && expected.sizeBytes !== undefined && contentLength !== expected.sizeBytes) {
      throw new DownloadError(`${url} is ${contentLength} bytes, expected ${expected.sizeBytes} for '${name}'`)
    }

    const progress = progressReporter(opts.progress ?? process.stderr, file, contentLength ?? expected.sizeBytes)
    progress.start(url)
    const sha1 = createHash('sha1')
    const sha256 = createHash('sha256')
    let bytes = 0
    const fh = await open(tmp, 'w')
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        armIdle()
        await fh.write(chunk)
        sha1.update(chunk)
        sha256.update(chunk)
        bytes += chunk.length
        progress.update(bytes)
      }
    } catch (err) {
      throw new DownloadError(`download of ${url} failed after ${bytes} bytes: ${ctrl.signal.aborted ? String(ctrl.signal.reason) : (err as Error).message}`, { cause: err })
    } finally {
      await fh.close()
    }

    if (contentLength !== undefined && bytes !== contentLength) {
      throw new DownloadError(`download of ${url} is truncated: got ${bytes} of ${contentLength} bytes`)
    }
    if (expected.sizeBytes !== undefined && bytes !== expected.sizeBytes) {
      throw new DownloadError(`download of ${url} has ${bytes} bytes, expected ${expected.sizeBytes}`)
    }
    const got = { sha1: sha1.digest('hex'), sha256: sha256.digest('hex') }
    for (const algo of ['sha1', 'sha256'] as const) {
      const want = expected[algo]?.toLowerCase()
      if (want !== undefined && got[algo] !== want) {
        throw new DownloadError(`checksum mismatch for ${file}: ${algo} is ${got[algo]}, expected ${want}`)
      }
    }
    const verified: DownloadResult['verified'] = expected.sha256 !== undefined ? 'sha256' : expected.sha1 !== undefined ? 'sha1' : 'size'

    try {
      await validateModelFile(tmp)
    } catch (err) {
      throw new DownloadError(`downloaded ${file} is not a usable whisper model: ${(err as { reason?: string }).reason ?? String(err)}`, { cause: err })
    }
    await rename(tmp, dest)
    progress.end(bytes, verified === 'size' ? 'size checked (no known checksum)' : `${verified} verified`)
    return { name, path: dest, sizeBytes: bytes, ...got, verified, skipped: false }
  } catch (err) {
    await rm(tmp, { force: true })
    if (err instanceof DownloadError) throw err
    throw new DownloadError(`download of ${name} failed: ${(err as Error).message}`, { cause: err })
  } finally {
    clearTimeout(idle)
    opts.signal?.removeEventListener('abort', onAbort)
  }
}
