import { stat } from 'node:fs/promises'
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
  })),
  object: z.literal('list').describe("OpenAI's list shape, beside `models`, so OpenAI clients can list models too"),
  data: z.array(z.object({
    id: z.string().meta({ example: 'base.en' }),
    object: z.literal('model'),
    created: z.number().int().describe('Unix seconds: when the model file was installed (its modification time)'),
    owned_by: z.string().meta({ example: 'earshot' })
  }))
}).meta({ id: 'ModelsResponse' })

/** When a model file was put in place, in Unix seconds (OpenAI's `created`); 0 if it vanished meanwhile. */
async function createdAt (path: string): Promise<number> {
  return await stat(path).then((s) => Math.floor(s.mtimeMs / 1000), () => 0)
}

const modelsRoutes: FastifyPluginAsyncZod<{ defaultModel: string }> = async (fastify, { defaultModel }) => {
  fastify.get('/models', {
    schema: {
      tags: ['models'],
      summary: 'Installed models (ggml files in MODELS_DIR) and which are loaded',
      description: 'Answers in earshot\'s own shape (`models`) and in OpenAI\'s list shape (`object: "list"`, `data`) at once.',
      response: { 200: modelsResponse, ...authErrors }
    }
  }, async () => {
    const models = await fastify.engine.listModels()
    const resolvedDefault = await fastify.engine.describeModel(defaultModel).catch(() => undefined)
    const created = await Promise.all(models.map(async (m) => await createdAt(m.path)))
    return {
      models: models.map((m) => ({ name: m.name, uuid: m.uuid, size_bytes: m.sizeBytes, loaded: m.loaded, default: m.name === resolvedDefault?.name })),
      object: 'list' as const,
      data: models.map((m, i) => ({ id: m.name, object: 'model' as const, created: created[i] ?? 0, owned_by: 'earshot' }))
    }
  })
}

export default modelsRoutes
