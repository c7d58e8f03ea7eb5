import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { closeAudioDecoder } from '../audio/decode.ts'
import { Engine } from '../engine/engine.ts'

/**
 * The resident whisper engine. The default model loads in the background so the server answers /health (503,
 * "loading") at once; transcriptions wait for it. Closing lets running decodes finish and frees the models.
 */
export default fp<{ config: Config }>(async (fastify, { config }) => {
  const engine = new Engine({
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
    logger: fastify.log
  })
  let failure: string | null = null
  const loading = engine.ready().then(
    () => { fastify.log.info({ model: config.DEFAULT_MODEL }, 'default model loaded') },
    (err: Error) => {
      failure = err.message
      fastify.log.error({ err }, 'default model could not be loaded')
    }
  )
  fastify.decorate('engine', engine)
  fastify.readiness.add({
    name: 'model',
    check: () => engine.isReady() ? null : failure ?? `loading default model '${config.DEFAULT_MODEL}'`
  })
  fastify.addHook('onClose', async () => {
    await loading
    await engine.close()
    await closeAudioDecoder()
  })
}, { name: 'engine', dependencies: ['readiness'] })

declare module 'fastify' {
  interface FastifyInstance {
    engine: Engine
  }
}
