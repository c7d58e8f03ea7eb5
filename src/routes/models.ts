import { stat } from 'node:fs/promises'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { authErrors } from '../protocols/deepgram/errors.ts'

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
    id: z.string().meta({ example: 'base.en' }).describe('an installed model, or an OpenAI model name (whisper-1, gpt-4o-transcribe, gpt-4o-mini-transcribe) that resolves to one'),
    object: z.literal('model'),
    created: z.number().int().describe('Unix seconds: when the model file was installed (its modification time)'),
    owned_by: z.string().meta({ example: 'earshot' })
  }))
}).meta({ id: 'ModelsResponse' })

/**
 * OpenAI's transcription model names, listed in `data` beside the installed models when they resolve (through
 * MODEL_ALIASES or the built-in aliases), so OpenAI clients that pick a model from the list find the one they know.
 */
const OPENAI_MODEL_IDS = ['whisper-1', 'gpt-4o-transcribe', 'gpt-4o-mini-transcribe']

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
    const resolvedDefault = await fastify.engine.models.describeModel(defaultModel).catch(() => undefined)
    const installed = new Set(models.map((m) => m.name))
    // resolved as an OpenAI request without `language` would be (detection on)
    const aliases = await Promise.all(OPENAI_MODEL_IDS.filter((id) => !installed.has(id)).map(async (id) =>
      await fastify.engine.models.describeModel(id, { detectLanguage: true }).then((m) => ({ id, path: m.path }), () => undefined)))
    const entries = [...models.map((m) => ({ id: m.name, path: m.path })), ...aliases.flatMap((a) => a === undefined ? [] : [a])]
    const data = await Promise.all(entries.map(async (e) => ({ id: e.id, object: 'model' as const, created: await createdAt(e.path), owned_by: 'earshot' })))
    return {
      models: models.map((m) => ({ name: m.name, uuid: m.uuid, size_bytes: m.sizeBytes, loaded: m.loaded === true, default: m.name === resolvedDefault?.name })),
      object: 'list' as const,
      data
    }
  })
}

export default modelsRoutes
