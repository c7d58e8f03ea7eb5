import { runCli } from './run.ts'
import type { CliIo } from './io.ts'

const io: CliIo = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) }
process.exitCode = await runCli(process.argv.slice(2), io)
// The command is done: a handle some library left open (a pool, a worker thread) must not keep the process alive.
setTimeout(() => process.exit(), 2000).unref()
