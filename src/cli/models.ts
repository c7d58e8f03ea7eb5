import type { Config } from '../config.ts'
import { DownloadError, KNOWN_MODELS, downloadModel } from '../engine/download.ts'
import { ModelRegistry } from '../engine/registry.ts'
import { UsageError, type CliIo } from './io.ts'

const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`

export async function listModels (config: Config, io: CliIo, json: boolean): Promise<number> {
  const models = await new ModelRegistry(config.MODELS_DIR).list()
  if (json) {
    io.out(JSON.stringify(models.map((m) => ({ name: m.name, path: m.path, size_bytes: m.sizeBytes, default: m.name === config.DEFAULT_MODEL }))))
    return 0
  }
  if (models.length === 0) {
    io.out(`No models in ${config.MODELS_DIR}. Get one with: earshot models download ${config.DEFAULT_MODEL}`)
  }
  for (const m of models) io.out(`${m.name.padEnd(16)} ${mib(m.sizeBytes).padStart(11)}  ${m.path}${m.name === config.DEFAULT_MODEL ? '  (default)' : ''}`)
  io.out(`Downloadable: ${Object.keys(KNOWN_MODELS).join(', ')}`)
  return 0
}

export async function downloadModelCommand (config: Config, io: CliIo, name: string | undefined, force: boolean): Promise<number> {
  if (name === undefined) throw new UsageError('models download needs a model name, e.g. earshot models download base.en')
  try {
    const result = await downloadModel(name, { modelsDir: config.MODELS_DIR, baseUrl: config.MODEL_BASE_URL, force })
    io.out(result.skipped
      ? `${result.path} is already there (use --force to download again).`
      : `Saved ${result.path} (${mib(result.sizeBytes)}, ${result.verified} verified).`)
    return 0
  } catch (err) {
    if (!(err instanceof DownloadError)) throw err
    io.err(`earshot: ${err.message}`)
    return 1
  }
}
