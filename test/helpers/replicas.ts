// Several earshot processes on one PostgreSQL database, as a deployment runs them: server replicas started as
// `npm start` does, `earshot worker` processes, keys through the real CLI, and pg-boss's own record of a job.
import assert from 'node:assert/strict'
import type { TestContext } from 'node:test'
import pg from 'pg'
import { earshot } from './cli.ts'
import { tempDir, testEnv } from './build.ts'
import type { Arch } from './models.ts'
import { startCliProcess, startServerProcess, type ServerProcess } from './process.ts'

/** Callback jobs to private addresses (the local receiver), retried and supervised within seconds, not minutes. */
export const FAST_JOBS = { ALLOW_PRIVATE_URLS: 'true', CALLBACK_RETRY_DELAY_MS: '20', JOBS_SUPERVISE_INTERVAL: '1', JOBS_RETRY_DELAY: '1' }

export type Fetch = (path: string, init?: RequestInit) => Promise<Response>

export interface Replica {
  server: ServerProcess
  fetch: Fetch
  get (path: string, headers?: Record<string, string>): Promise<Response>
}

/** A `src/server.ts` process on `env`; resolves once it listens. */
export async function startReplica (env: Record<string, string>): Promise<Replica> {
  const server = startServerProcess(env)
  const listening = await server.waitFor(/Server listening at http:\/\/127\.0\.0\.1:\d+/)
  const port = Number(/127\.0\.0\.1:(\d+)/.exec(listening)?.[1])
  const fetchPath: Fetch = (path, init) => fetch(`http://127.0.0.1:${port}${path}`, init)
  return { server, fetch: fetchPath, get: (path, headers = {}) => fetchPath(path, { headers }) }
}

/** Two replicas started together (so they migrate an empty database at once), killed after the test. */
export async function startReplicas (t: TestContext, env: Record<string, string>): Promise<[Replica, Replica]> {
  const started = [startReplica(env), startReplica(env)] as const
  t.after(async () => {
    for (const replica of await Promise.allSettled(started)) if (replica.status === 'fulfilled') replica.value.server.child.kill('SIGKILL')
  })
  return await Promise.all(started)
}

/** An `earshot worker` process with its own temporary directory, killed after the test. */
export function startWorker (t: TestContext, env: Record<string, string>, model: Arch = 'small-test'): ServerProcess {
  const worker = startCliProcess(['worker'], testEnv(tempDir(t), env, model))
  t.after(() => { worker.child.kill('SIGKILL') })
  return worker
}

/** `earshot create --name <name>` against `env`'s database; the new token. */
export async function createKeyWithCli (env: Record<string, string>, name: string): Promise<string> {
  const created = await earshot(['create', '--name', name, '--json'], env)
  assert.equal(created.code, 0, created.stderr)
  return (JSON.parse(created.stdout) as { token: string }).token
}

/** Checks a Deepgram-shaped error reply and returns its body. */
export async function expectDeepgramError (res: Response, status: number, code: string): Promise<Record<string, unknown>> {
  assert.equal(res.status, status)
  const body = await res.json() as Record<string, unknown>
  assert.equal(body.err_code, code)
  assert.equal(typeof body.err_msg, 'string')
  assert.equal(body.request_id, res.headers.get('dg-request-id'))
  return body
}

/** Checks a 429 over a key's RATE_LIMIT_MAX of `limit` (body, Retry-After, x-ratelimit-*) and returns its body. */
export async function expectRateLimited (res: Response, limit: number): Promise<Record<string, unknown>> {
  const body = await expectDeepgramError(res, 429, 'RATE_LIMIT_EXCEEDED')
  const retryAfter = Number(res.headers.get('retry-after'))
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`)
  assert.equal(body.retry_after, retryAfter)
  assert.equal(res.headers.get('x-ratelimit-limit'), String(limit))
  assert.equal(res.headers.get('x-ratelimit-remaining'), '0')
  return body
}

/** POST /v1/listen?callback=…: the job's request id, returned at once. */
export async function submitCallbackJob (fetchPath: Fetch, key: string, callback: string, audio: Buffer): Promise<string> {
  const res = await fetchPath(`/v1/listen?callback=${encodeURIComponent(callback)}`, {
    method: 'POST', headers: { authorization: `Token ${key}`, 'content-type': 'audio/wav' }, body: audio
  })
  assert.equal(res.status, 200, await res.clone().text())
  return (await res.json() as { request_id: string }).request_id
}

/** pg-boss's own record of the job (its id is the request id). */
export async function jobState (url: string, id: string): Promise<{ state: string, retry_count: number } | undefined> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ state: string, retry_count: number }>('SELECT state, retry_count FROM pgboss.job WHERE id = $1', [id])
    return rows[0]
  } finally {
    await client.end()
  }
}
