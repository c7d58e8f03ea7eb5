// whisper.cpp's own HTTP server (whisper-server, built by scripts/build-whisper-bench.mjs) as a benchmark anchor.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { killOnExit } from './server.ts'

export interface WhisperServer { base: string, pid: number, stop(): Promise<void> }

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/**
 * Greedy (-bs 1 -bo 1), English, the given threads and audio_ctx: the engine's settings. Timestamps on (its
 * default), token timestamps off (whisper-server has no switch for them; earshot computes them, a small extra).
 */
export async function startWhisperServer (exe: string, model: string, threads: number, audioCtx = 0): Promise<WhisperServer> {
  const port = await freePort()
  const child = spawn(exe, ['-m', model, '-t', String(threads), '-bs', '1', '-bo', '1', '-l', 'en', '-ac', String(audioCtx),
    '--host', '127.0.0.1', '--port', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] })
  killOnExit(child)
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr = (stderr + d).slice(-4000) })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`whisper-server exited: ${stderr}`)
    try { if ((await fetch(base)).status === 200) break } catch {}
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error('whisper-server did not start within 60 s') }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    base,
    pid: child.pid as number,
    async stop () {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }
  }
}

/** POST /inference (multipart, like its README's curl example); client-side wall time and the text. */
export async function inference (base: string, wav: Uint8Array): Promise<{ ms: number, text: string }> {
  const form = new FormData()
  form.append('file', new Blob([wav], { type: 'audio/wav' }), 'audio.wav')
  form.append('temperature', '0.0')
  form.append('response_format', 'json')
  const started = performance.now()
  const res = await fetch(`${base}/inference`, { method: 'POST', body: form })
  const body = await res.text()
  const ms = performance.now() - started
  if (res.status !== 200) throw new Error(`whisper-server /inference -> ${res.status}: ${body.slice(0, 300)}`)
  return { ms, text: String((JSON.parse(body) as { text?: string }).text ?? '').replace(/\s+/g, ' ').trim() }
}
