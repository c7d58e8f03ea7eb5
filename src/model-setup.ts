import { resolve } from 'node:path'
import type { Config } from './config.ts'
import { DownloadError, downloadModel, modelDownloadUrl } from './engine/download.ts'
import { ModelRegistry, modelFileName } from './engine/registry.ts'

export class ModelMissingError extends Error {
  override name = 'ModelMissingError'
}

/** What a user must do when the default model is absent and cannot be fetched: which file, where. */
function missingMessage (config: Config, why: string, installed: string[]): string {
  const target = resolve(config.MODELS_DIR, modelFileName(config.DEFAULT_MODEL))
  return [
    `The default model '${config.DEFAULT_MODEL}' is not installed: earshot needs the file ${target}`,
    why,
    'To fix it, either:',
    `  - download ${modelDownloadUrl(config.DEFAULT_MODEL, config.MODEL_BASE_URL)} on a machine with network access and copy it to ${target}`,
    `  - or run: npx earshot models download ${config.DEFAULT_MODEL}   (when this machine can reach ${new URL(config.MODEL_BASE_URL).host})`,
    `  - or set DEFAULT_MODEL to an installed model (installed in ${resolve(config.MODELS_DIR)}: ${installed.join(', ') || 'none'})`
  ].join('\n')
}

/**
 * Start-up step: makes sure DEFAULT_MODEL is in MODELS_DIR, fetching it (progress bar, checksum, atomic rename)
 * when it is missing and AUTO_DOWNLOAD_MODEL allows. Throws ModelMissingError with instructions otherwise.
 */
export async function ensureDefaultModel (config: Config, progress: NodeJS.WritableStream | false = process.stderr): Promise<'present' | 'downloaded'> {
  const registry = new ModelRegistry(config.MODELS_DIR)
  const installed = await registry.list()
  const found = await registry.resolveInstalled(config.DEFAULT_MODEL).then(() => true, () => false)
  if (found) return 'present'
  if (!config.AUTO_DOWNLOAD_MODEL) {
    throw new ModelMissingError(missingMessage(config, 'Automatic download is off (AUTO_DOWNLOAD_MODEL=false).', installed.map((m) => m.name)))
  }
  try {
    await downloadModel(config.DEFAULT_MODEL, { modelsDir: config.MODELS_DIR, baseUrl: config.MODEL_BASE_URL, progress })
    return 'downloaded'
  } catch (err) {
    if (!(err instanceof DownloadError)) throw err
    throw new ModelMissingError(missingMessage(config, `It could not be downloaded: ${err.message}`, installed.map((m) => m.name)))
  }
}
