import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { createApp } from '../../src/app.ts'
import { loadConfig, type Config } from '../../src/config.ts'
import { CACHE_DIR, testModel, type Arch } from './models.ts'

export interface TestApp {
  app: FastifyInstance
  /** http://127.0.0.1:<port> of the listening server */
  url: string
  config: Config
  /** Every log line the app wrote, as raw JSON text */
  logs: string[]
  dir: string
  /** A fresh key through the same service the CLI uses */
  createKey (options?: { name?: string, expiresAt?: Date | null }): Promise<string>
  fetch (path: string, init?: RequestInit): Promise<Response>
  /** Resolves with the first log line (already written or still to come) matching `pattern`. */
  waitForLog (pattern: RegExp): Promise<string>
}

/** A temporary directory removed after the test. */
export function tempDir (t: TestContext, prefix = 'earshot-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/**
 * The environment a test server runs with: a fresh SQLite file, the generated models (tiny-dims `small-test`
 * by default: loads in milliseconds), overridable per test.
 */
export function testEnv (dir: string, env: Record<string, string> = {}, model: Arch = 'small-test'): Record<string, string> {
  const modelPath = testModel(model)
  return {
    DATABASE_PATH: join(dir, 'earshot.db'),
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    PORT: '0',
    MODELS_DIR: join(modelPath, '..'),
    DEFAULT_MODEL: model,
    AUTO_DOWNLOAD_MODEL: 'false',
    // Short test clips: an encoder window sized to the audio keeps each decode to tens of milliseconds, and one
    // thread per decode stays fast when other test processes share the two cores.
    DEFAULT_AUDIO_CTX: 'auto',
    WHISPER_THREADS: '1',
    ...env
  }
}

export { CACHE_DIR }

/** A fresh app on a real port with its own SQLite file; closed after the test. */
export async function build (t: TestContext, env: Record<string, string> = {}, model: Arch = 'small-test'): Promise<TestApp> {
  const dir = tempDir(t)
  const config = loadConfig(testEnv(dir, env, model))
  const logs: string[] = []
  const waiters: Array<{ pattern: RegExp, resolve: (line: string) => void }> = []
  const logStream = new Writable({
    write (chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter((l) => l !== '')) {
        logs.push(line)
        for (const w of waiters.filter((w) => w.pattern.test(line))) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve(line)
        }
      }
      done()
    }
  })
  const app = await createApp(config, { logStream })
  t.after(() => app.close())
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  const url = `http://127.0.0.1:${address.port}`
  return {
    app,
    url,
    config,
    logs,
    dir,
    async createKey ({ name = 'test', expiresAt = null } = {}) {
      return (await app.keys.create({ name, expiresAt })).token
    },
    fetch: (path, init) => fetch(`${url}${path}`, init),
    waitForLog (pattern) {
      const seen = logs.find((l) => pattern.test(l))
      return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ pattern, resolve }))
    }
  }
}
