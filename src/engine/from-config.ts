import type { Config } from '../config.ts'
import { Engine } from './engine.ts'
import type { Logger } from './types.ts'

/** The engine the settings describe: the server's plugin and `earshot worker` build the same one. */
export function createEngine (config: Config, logger: Logger): Engine {
  return new Engine({
    modelsDir: config.MODELS_DIR,
    defaultModel: config.DEFAULT_MODEL,
    concurrency: config.ENGINE_CONCURRENCY,
    threads: config.WHISPER_THREADS,
    decodeNice: config.WHISPER_NICE,
    spinYield: config.WHISPER_SPIN_YIELD,
    queueMax: config.QUEUE_MAX,
    maxLoadedModels: config.MAX_LOADED_MODELS,
    defaultAudioCtx: config.DEFAULT_AUDIO_CTX,
    aliases: config.MODEL_ALIASES,
    logger,
    off: config.ENGINE === 'off'
  })
}
