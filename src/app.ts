import { randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import type { DestinationStream } from 'pino'
import type { Config } from './config.ts'
import { loggerOptions } from './logger.ts'
import errorHandler from './plugins/error-handler.ts'
import database from './plugins/database.ts'
import readiness from './plugins/readiness.ts'
import swagger from './plugins/swagger.ts'
import auth from './plugins/auth.ts'
import engine from './plugins/engine.ts'
import websocket from './plugins/websocket.ts'
import healthRoutes from './routes/health.ts'
import authRoutes from './routes/auth.ts'
import listenRoutes from './routes/listen.ts'
import listenStreamRoutes from './routes/listen-stream.ts'
import modelsRoutes from './routes/models.ts'
import playgroundRoutes from './routes/playground.ts'

export interface AppOptions {
  config: Config
}

export function serverOptions (config: Config, logStream?: DestinationStream): FastifyServerOptions {
  return {
    logger: loggerOptions(config.LOG_LEVEL, logStream),
    genReqId: () => randomUUID(),
    // Deepgram picks its own request id; a client-supplied one would let callers forge log correlation.
    requestIdHeader: false,
    bodyLimit: config.BODY_LIMIT,
    trustProxy: config.TRUST_PROXY,
    return503OnClosing: true
  }
}

/** Root plugin: cross-cutting plugins first, then the routes. */
export default async function app (fastify: FastifyInstance, { config }: AppOptions): Promise<void> {
  fastify.setValidatorCompiler(validatorCompiler)
  // Response schemas document the API (/docs) and type the handlers; re-validating every reply through zod
  // would cost more than the whole authenticated request, so replies are plain JSON.
  fastify.setSerializerCompiler(() => (data) => JSON.stringify(data))
  fastify.decorate('config', config)

  await fastify.register(errorHandler)
  await fastify.register(readiness)
  await fastify.register(swagger)
  await fastify.register(database, { path: config.DATABASE_PATH })
  await fastify.register(auth, { config })
  await fastify.register(engine, { config })
  await fastify.register(websocket)

  await fastify.register(healthRoutes)
  await fastify.register(playgroundRoutes)
  await fastify.register(async (v1) => {
    v1.addHook('onRequest', v1.authenticate)
    await v1.register(authRoutes, { config })
    await v1.register(listenRoutes, { config })
    await v1.register(listenStreamRoutes, {
      config,
      limits: { maxSeconds: config.STREAM_MAX_SECONDS, maxBufferSeconds: config.STREAM_MAX_BUFFER_SECONDS, idleTimeoutSeconds: config.STREAM_IDLE_TIMEOUT }
    })
    await v1.register(modelsRoutes, { defaultModel: config.DEFAULT_MODEL })
  }, { prefix: '/v1' })
}

/** A ready-to-listen instance: what server.ts, the tests and the benchmarks start. */
export async function createApp (config: Config, options: { logStream?: DestinationStream } = {}): Promise<FastifyInstance> {
  const fastify = Fastify(serverOptions(config, options.logStream)).withTypeProvider<ZodTypeProvider>()
  // fp: the root plugin's decorators (keys, readiness…) stay visible on the returned instance for the CLI-free tests
  await fastify.register(fp(app), { config })
  return fastify
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}
