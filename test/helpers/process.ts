import { spawn, type ChildProcessByStdio } from 'node:child_process'
import { once } from 'node:events'
import type { Readable } from 'node:stream'
import { ROOT } from './cli.ts'

export interface ServerProcess {
  child: ChildProcessByStdio<null, Readable, Readable>
  lines: string[]
  stderr: () => string
  /** Resolves with the first stdout line matching, as soon as it is printed. */
  waitFor (pattern: RegExp): Promise<string>
  exited: Promise<number | null>
}

/** Starts `src/server.ts` as its own process, exactly as `npm start` does. */
export function startServerProcess (env: Record<string, string>): ServerProcess {
  return startProject(['src/server.ts'], env)
}

/** Runs the `earshot` command (bin/earshot.mjs) with `args` as its own process, e.g. `['worker']`. */
export function startCliProcess (args: string[], env: Record<string, string>): ServerProcess {
  return startProject(['bin/earshot.mjs', ...args], env)
}

function startProject (nodeArgs: string[], env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const lines: string[] = []
  const waiters: Array<{ pattern: RegExp, resolve: (line: string) => void }> = []
  let stderr = ''
  let partial = ''
  child.stderr.on('data', (d) => { stderr += String(d) })
  child.stdout.on('data', (d) => {
    const parts = (partial + String(d)).split('\n')
    partial = parts.pop() ?? ''
    for (const line of parts) {
      lines.push(line)
      for (const w of [...waiters]) {
        if (w.pattern.test(line)) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve(line)
        }
      }
    }
  })
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  return {
    child,
    lines,
    stderr: () => stderr,
    exited,
    waitFor (pattern) {
      const seen = lines.find((l) => pattern.test(l))
      if (seen !== undefined) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve })
        void exited.then((code) => reject(new Error(`server exited (${code}) before ${pattern}: ${stderr}${lines.join('\n')}`)))
      })
    }
  }
}
