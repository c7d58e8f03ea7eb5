import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { closeAudioDecoder } from '../audio/decode.ts'
import type { Engine } from '../engine/engine.ts'
import { createEngine } from '../engine/from-config.ts'
import { operatorMessage } from '../errors.ts'

/**
 * The resident whisper engine. The default model loads in the background so the server answers /health (503,
 * "loading") at once; transcriptions wait for it. Closing lets running decodes finish and frees the models.
 */
export default fp<{ config: Config }>(async (fastify, { config }) => {
  const engine = createEngine(config, fastify.log)
  fastify.decorate('engine', engine)
  if (config.ENGINE === 'off') {
    // API only (decodes run on workers): no model is loaded or gates readiness; requests are still planned
    // against MODELS_DIR's model headers
    fastify.log.info('engine off (ENGINE=off): no model is loaded, synchronous transcription answers 503')
    fastify.readiness.add({ name: 'model', check: () => ({ ready: true, note: 'off' }) })
    fastify.addHook('onClose', async () => { await engine.close() })
    return
  }
  let failure: string | null = null
  const loading = engine.ready().then(
    () => { fastify.log.info({ model: config.DEFAULT_MODEL }, 'default model loaded') },
    (err: Error) => {
      failure = operatorMessage(err) // /health is the operator's view: it keeps the file's problem
      fastify.log.error({ err }, 'default model could not be loaded')
    }
  )
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
