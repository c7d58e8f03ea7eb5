import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { runCli } from '../../src/cli/run.ts'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const EARSHOT_BIN = fileURLToPath(new URL('../../bin/earshot.mjs', import.meta.url))

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Runs an `earshot` command in this process: the CLI's own entry point (src/cli/run.ts, what bin/earshot.mjs calls)
 * with `env` as its whole environment, its output collected line by line as the real process prints it. What a
 * separate process adds (argv, the working directory's .env, the exit code) is covered by the spawned runs that
 * use runEarshot; a process start costs more than most commands.
 */
export async function earshot (args: string[], env: Record<string, string>): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(args, { out: (line) => { stdout += `${line}\n` }, err: (line) => { stderr += `${line}\n` } }, env)
  return { code, stdout, stderr }
}

/** Runs the real `earshot` command as its own process, with no standard input, as a user or CI would. */
export function runEarshot (args: string[], env: Record<string, string>, options: { cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EARSHOT_BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => { stdout += String(d) })
    child.stderr.on('data', (d) => { stderr += String(d) })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
