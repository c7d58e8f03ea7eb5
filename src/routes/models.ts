import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { authErrors } from './schemas.ts'

const modelsResponse = z.object({
  models: z.array(z.object({
    name: z.string().meta({ example: 'base.en' }),
    uuid: z.string(),
    size_bytes: z.number().int(),
    loaded: z.boolean().describe('resident in memory now'),
    default: z.boolean()
  }))
})

const modelsRoutes: FastifyPluginAsyncZod<{ defaultModel: string }> = async (fastify, { defaultModel }) => {
  fastify.get('/models', {
    schema: {
      tags: ['models'],
      summary: 'Installed models (ggml files in MODELS_DIR) and which are loaded',
      response: { 200: modelsResponse, ...authErrors }
    }
  }, async () => {
    const models = await fastify.engine.listModels()
    const resolvedDefault = await fastify.engine.describeModel(defaultModel).catch(() => undefined)
    return {
      models: models.map((m) => ({ name: m.name, uuid: m.uuid, size_bytes: m.sizeBytes, loaded: m.loaded, default: m.name === resolvedDefault?.name }))
    }
  })
}

export default modelsRoutes
