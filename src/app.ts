import { randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import type { Server } from 'node:http'
import Fastify, { type FastifyHttpOptions, type FastifyInstance } from 'fastify'
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import type { DestinationStream } from 'pino'
import type { Config } from './config.ts'
import { loggerOptions } from './logger.ts'
import { parseQuery } from './auth/redact.ts'
import errorHandler, { clientErrorHandler, frameworkErrors } from './plugins/error-handler.ts'
import connections from './plugins/connections.ts'
import bodyLimit from './plugins/body-limit.ts'
import database from './plugins/database.ts'
import readiness from './plugins/readiness.ts'
import shutdown from './plugins/shutdown.ts'
import swagger from './plugins/swagger.ts'
import auth from './plugins/auth.ts'
import usage from './plugins/usage.ts'
import engine from './plugins/engine.ts'
import vad from './plugins/vad.ts'
import jobs from './plugins/jobs.ts'
import metrics from './plugins/metrics.ts'
import websocket from './plugins/websocket.ts'
import healthRoutes from './routes/health.ts'
import metricsRoutes from './routes/metrics.ts'
import authRoutes from './routes/auth.ts'
import listenRoutes from './routes/listen.ts'
import listenStreamRoutes from './routes/listen-stream.ts'
import modelsRoutes from './routes/models.ts'
import openAiAudioRoutes from './routes/openai-audio.ts'
import playgroundRoutes from './routes/playground.ts'

export interface AppOptions {
  config: Config
}

export function serverOptions (config: Config, logStream?: DestinationStream): FastifyHttpOptions<Server> {
  return {
    logger: loggerOptions(config.LOG_LEVEL, logStream),
    genReqId: () => randomUUID(),
    // Deepgram picks its own request id; a client-supplied one would let callers forge log correlation.
    requestIdHeader: false,
    bodyLimit: config.BODY_LIMIT,
    trustProxy: config.TRUST_PROXY,
    // Auth reads the query this parser produces, and log redaction decodes names with it (src/auth/redact.ts).
    routerOptions: { querystringParser: parseQuery },
    // Slow clients. Node checks header and whole-request deadlines on an interval (30 s by default, which let
    // headers sent at 1 byte/s run ~90 s); half a second keeps them close to what is configured. There is no
    // connection-wide idle timeout (connectionTimeout): a client waiting for a long transcription is silent.
    http: { headersTimeout: config.HEADERS_TIMEOUT * 1000, connectionsCheckingInterval: 500 },
    requestTimeout: config.REQUEST_TIMEOUT * 1000,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT * 1000,
    connectionTimeout: 0,
    // Errors answered before any route runs get the same Deepgram body and dg-request-id as every other.
    clientErrorHandler,
    frameworkErrors,
    // Shutdown's 503 comes from plugins/shutdown.ts, in each protocol's shape.
    return503OnClosing: false
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
  await fastify.register(shutdown, { drainDelayMs: config.SHUTDOWN_DRAIN_DELAY * 1000, graceMs: config.SHUTDOWN_GRACE_SECONDS * 1000 })
  await fastify.register(swagger)
  await fastify.register(database, { config })
  await fastify.register(usage, { flushMs: config.USAGE_FLUSH_MS })
  await fastify.register(auth, { config })
  await fastify.register(engine, { config })
  await fastify.register(vad, { config })
  await fastify.register(jobs, { config })
  await fastify.register(metrics)
  await fastify.register(websocket)
  await fastify.register(connections, { bodyIdleMs: config.BODY_IDLE_TIMEOUT * 1000, handshakeMs: config.WS_HANDSHAKE_TIMEOUT * 1000 })
  await fastify.register(bodyLimit)

  await fastify.register(healthRoutes)
  if (config.METRICS) await fastify.register(metricsRoutes, { token: config.METRICS_TOKEN })
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
    // its own context: OpenAI's error shape for everything under /v1/audio, the auth hook's refusals included
    await v1.register(openAiAudioRoutes, { config, prefix: '/audio' })
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
