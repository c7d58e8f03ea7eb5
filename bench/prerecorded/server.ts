// The real earshot server (src/server.ts) as a child process, an API key for it, and a timed POST /v1/listen.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const live = new Set<ChildProcess>()

/** Kills `child` when this process exits or is interrupted (servers, and the anchors' CLI runs). */
export function killOnExit (child: ChildProcess): void {
  live.add(child)
  child.once('exit', () => { live.delete(child) })
}

// Whatever happens (exception, Ctrl-C), no server is left behind.
process.on('exit', () => { for (const c of live) c.kill('SIGKILL') })
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    for (const c of live) c.kill('SIGKILL')
    process.exit(130)
  })
}

const freePort = (): Promise<number> => new Promise((resolve, reject) => {
  const s = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number }
    s.close(() => resolve(port))
  })
})

export async function createKey (env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [join(root, 'bin/earshot.mjs'), 'create', '--name', 'bench-prerecorded', '--json'], {
    cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit']
  })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d })
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  if (code !== 0) throw new Error(`earshot create exited with ${code}: ${out}`)
  return (JSON.parse(out) as { token: string }).token
}

export interface RunningServer {
  port: number
  pid: number
  base: string
  /** VmRSS and VmHWM of the server process, in kB (/proc/<pid>/status). */
  memory (): { rssKb: number, hwmKb: number }
  stop (): Promise<void>
}

/** Starts src/server.ts with `env` and waits until /health says ready (model loaded). */
export async function startServer (env: Record<string, string>): Promise<RunningServer> {
  const port = await freePort()
  // stdout (pino) and stderr go to our stderr: stdout stays for the report
  const child = spawn(process.execPath, ['src/server.ts'], {
    cwd: root, env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 2, 2]
  })
  killOnExit(child)
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve() }))
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited during start-up (${child.exitCode ?? child.signalCode})`)
    try {
      if ((await fetch(`${base}/health`)).status === 200) break
    } catch {}
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error('server did not become ready within 60 s')
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const pid = child.pid as number
  return {
    port,
    pid,
    base,
    memory () {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8')
      const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
      return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') }
    },
    async stop () {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
    }
  }
}

export interface ListenResult {
  /** client side: request sent -> whole response body received */
  ms: number
  transcript: string
  duration: number
}

/** POST /v1/listen with a WAV body; throws on anything but 200 with a transcript. */
export async function listen (base: string, token: string, wav: Uint8Array, query: Record<string, string> = {}): Promise<ListenResult> {
  const qs = new URLSearchParams(query).toString()
  const url = `${base}/v1/listen${qs ? `?${qs}` : ''}`
  const started = performance.now()
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Token ${token}`, 'content-type': 'audio/wav' },
    body: wav
  })
  const text = await res.text()
  const ms = performance.now() - started
  if (res.status !== 200) throw new Error(`POST ${url} -> ${res.status}: ${text.slice(0, 500)}`)
  const body = JSON.parse(text) as {
    metadata?: { duration?: number }
    results?: { channels?: Array<{ alternatives?: Array<{ transcript?: string }> }> }
  }
  const transcript = body.results?.channels?.[0]?.alternatives?.[0]?.transcript
  if (typeof transcript !== 'string') throw new Error(`POST ${url}: 200 without a transcript: ${text.slice(0, 300)}`)
  return { ms, transcript, duration: body.metadata?.duration ?? NaN }
}
