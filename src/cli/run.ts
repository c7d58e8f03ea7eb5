import { parseArgs, type ParseArgsConfig } from 'node:util'
import { ConfigError, loadConfig, readEnvironment, type Config } from '../config.ts'
import { KeyService } from '../auth/key-service.ts'
import { openDatabase } from '../db/database.ts'
import { describePostgresUrl } from '../db/postgres.ts'
import { UsageRepository } from '../db/usage-repository.ts'
import { createKey, listKeys, revokeKey } from './keys.ts'
import { showUsage } from './usage.ts'
import { downloadModelCommand, listModels } from './models.ts'
import { UsageError, type CliIo } from './io.ts'
import { runWorker } from './worker.ts'

const USAGE = `Usage: earshot <command> [options]

Commands:
  init                                     create the database (DATABASE_PATH, or DATABASE_URL) and apply migrations
  create --name NAME [--expires 30d|90d|1y|never] [--json]
                                           create an API key; the token is shown only now
  list [--all] [--json]                    list keys (--all includes revoked ones)
  revoke <prefix>                          revoke the key whose token starts with <prefix>
  usage [prefix] [--since 30m|24h|7d|2w] [--json]
                                           requests, failures and audio transcribed per key (whole hours;
                                           a running server writes its figures every USAGE_FLUSH_MS)
  models list [--json]                     models installed in MODELS_DIR
  models download <name> [--force]         fetch ggml-<name>.bin from MODEL_BASE_URL (progress, checksum)
  worker                                   run callback jobs from PostgreSQL (DATABASE_URL), no HTTP API
  help                                     show this text

Exit codes: 0 ok, 1 error, 2 usage.`

type Command = (config: Config, io: CliIo, args: string[]) => Promise<number>

async function withStore<T> (config: Config, fn: (keys: KeyService, usage: UsageRepository) => Promise<T>): Promise<T> {
  const database = await openDatabase(config)
  try {
    return await fn(new KeyService(database.keys), new UsageRepository(database.kysely))
  } finally {
    await database.close()
  }
}

const withKeys = <T>(config: Config, fn: (keys: KeyService) => Promise<T>): Promise<T> => withStore(config, fn)

function parse (args: string[], options: ParseArgsConfig['options'], allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

const commands: Record<string, Command> = {
  async init (config, io, args) {
    parse(args, {})
    await withKeys(config, async () => {})
    io.out(config.DATABASE_URL === undefined ? `Database ready at ${config.DATABASE_PATH}.` : `Database ready: ${describePostgresUrl(config.DATABASE_URL)}.`)
    io.out('Create a key with: earshot create --name NAME')
    return 0
  },
  async create (config, io, args) {
    const { values } = parse(args, {
      name: { type: 'string' },
      expires: { type: 'string' },
      json: { type: 'boolean' }
    })
    return withKeys(config, (keys) => createKey(keys, io, values as Parameters<typeof createKey>[2]))
  },
  async list (config, io, args) {
    const { values } = parse(args, { all: { type: 'boolean' }, json: { type: 'boolean' } })
    return withKeys(config, (keys) => listKeys(keys, io, values as Parameters<typeof listKeys>[2]))
  },
  async revoke (config, io, args) {
    const { positionals } = parse(args, {}, true)
    if (positionals.length !== 1) throw new UsageError('revoke takes exactly one prefix')
    return withKeys(config, (keys) => revokeKey(keys, io, positionals[0]))
  },
  async usage (config, io, args) {
    const { values, positionals } = parse(args, { since: { type: 'string' }, json: { type: 'boolean' } }, true)
    if (positionals.length > 1) throw new UsageError('usage takes at most one prefix')
    return withStore(config, (_keys, usage) => showUsage(usage, io, { ...values as { since?: string, json?: boolean }, prefix: positionals[0] }))
  },
  async models (config, io, args) {
    const [sub, ...rest] = args
    if (sub === 'list') {
      const { values } = parse(rest, { json: { type: 'boolean' } })
      return listModels(config, io, (values as { json?: boolean }).json === true)
    }
    if (sub === 'download') {
      const { values, positionals } = parse(rest, { force: { type: 'boolean' } }, true)
      if (positionals.length > 1) throw new UsageError('models download takes one model name')
      return downloadModelCommand(config, io, positionals[0], (values as { force?: boolean }).force === true)
    }
    throw new UsageError(sub === undefined ? 'models needs a subcommand: list or download' : `unknown models subcommand '${sub}'`)
  },
  async worker (config, io, args) {
    parse(args, {})
    return runWorker(config, io)
  },
  async help (_config, io) {
    io.out(USAGE)
    return 0
  }
}

/** `env` defaults to what the server reads: the process environment over `.env` in the working directory. */
export async function runCli (argv: string[], io: CliIo, env?: Record<string, string | undefined>): Promise<number> {
  const [name, ...args] = argv
  const command = name === undefined || name === '--help' || name === '-h' ? commands.help : commands[name]
  try {
    if (command === undefined) throw new UsageError(`unknown command '${name}'`)
    return await command(loadConfig(env ?? readEnvironment()), io, args)
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`earshot: ${err.message}\n\n${USAGE}`)
      return 2
    }
    io.err(err instanceof ConfigError ? err.message : `earshot: ${(err as Error).message}`)
    return 1
  }
}
