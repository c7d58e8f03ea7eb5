import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'

const DESCRIPTION = `Self-hosted speech-to-text that speaks Deepgram's API and OpenAI's audio API (/v1/audio/*).

Authenticate with \`Authorization: Token <key>\` (also \`Bearer\`, \`X-API-Token\` or \`API-Token\`).
Create a key with \`earshot create --name NAME\`, then press **Authorize** and enter \`Token <key>\` (or \`Bearer <key>\`).`

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
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject
  })
  await fastify.register(swaggerUi, { routePrefix: '/docs', uiConfig: { persistAuthorization: true } })
}, { name: 'swagger' })
