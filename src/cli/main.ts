import { runCli } from './run.ts'
import type { CliIo } from './io.ts'

const io: CliIo = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) }
process.exitCode = await runCli(process.argv.slice(2), io)
