import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { z } from 'zod'
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'

const DESCRIPTION = `Self-hosted speech-to-text that speaks Deepgram's API and OpenAI's audio API (/v1/audio/*).

Authenticate with \`Authorization: Token <key>\` (also \`Bearer\`, \`X-API-Token\` or \`API-Token\`).
Create a key with \`earshot create --name NAME\`, then press **Authorize** and enter \`Token <key>\` (or \`Bearer <key>\`).`

type TransformInput = Parameters<typeof jsonSchemaTransform>[0]

/**
 * The zod transform, plus `bodyByMediaType`: a route whose one zod body (what validation runs) covers several media
 * types documents each media type's own schema, so Swagger UI offers a file picker for the binary ones and a JSON
 * editor for the JSON one instead of one `anyOf` under application/json.
 */
function transform (input: TransformInput): ReturnType<typeof jsonSchemaTransform> {
  const byMediaType = (input.schema as { bodyByMediaType?: Record<string, z.ZodType> } | undefined)?.bodyByMediaType
  if (byMediaType === undefined) return jsonSchemaTransform(input)
  const { bodyByMediaType: _documented, body: _validated, ...schema } = input.schema as Record<string, unknown>
  const result = jsonSchemaTransform({ ...input, schema })
  const content: Record<string, { schema: unknown }> = {}
  for (const [mediaType, body] of Object.entries(byMediaType)) {
    const converted = jsonSchemaTransform({ ...input, schema: { body } }).schema as { body: unknown }
    content[mediaType] = { schema: converted.body }
  }
  return { ...result, schema: { ...result.schema, body: { content } } }
}

/** OpenAPI document built from the routes' zod schemas, served at /docs/json, with Swagger UI at /docs. */
export default fp(async (fastify) => {
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'earshot', description: DESCRIPTION, version: '0.1.0' },
      tags: [
        { name: 'listen', description: 'Speech to text' },
        { name: 'openai', description: "OpenAI's audio API: /v1/audio/transcriptions and /v1/audio/translations" },
        { name: 'auth', description: 'API keys' },
        { name: 'models', description: 'Installed models' },
        { name: 'health', description: 'Liveness and readiness' }
      ],
      components: {
        securitySchemes: {
          Token: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description: 'The word `Token`, a space, then the API key: `Token 90e4b318…`'
          }
        }
      },
      security: [{ Token: [] }]
    },
    transform,
    transformObject: jsonSchemaTransformObject
  })
  await fastify.register(swaggerUi, { routePrefix: '/docs', uiConfig: { persistAuthorization: true } })
}, { name: 'swagger' })

declare module 'fastify' {
  interface FastifySchema {
    /** Documentation only (/docs): the request body per media type, where `body` validates them all. */
    bodyByMediaType?: Record<string, z.ZodType>
  }
}
