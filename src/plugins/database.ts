import fp from 'fastify-plugin'
import { KeyService } from '../auth/key-service.ts'
import type { Config } from '../config.ts'
import { openDatabase, type Database } from '../db/database.ts'
import type { KeyRepository } from '../db/keys-repository.ts'

/**
 * Opens the store (SQLite at DATABASE_PATH, or PostgreSQL at DATABASE_URL, migrated either way), exposes it and the
 * key service, and closes it last on shutdown.
 */
export default fp<{ config: Config }>(async (fastify, { config }) => {
  const database = await openDatabase(config, {
    watchKeyChanges: true,
    onError: (err, what) => fastify.log.warn({ err }, what)
  })
  // Its first connection was made above; these are the later ones, after an outage.
  database.keyChanges?.on('listening', () => fastify.log.info('key change listener reconnected: keys are cached again'))
  const keys = new KeyService(database.keys, (err) => fastify.log.warn({ err }, 'could not record key use'))
  fastify.decorate('database', database)
  fastify.decorate('keyRepository', database.keys)
  fastify.decorate('keys', keys)
  fastify.readiness.add({ name: 'database', check: async () => { await database.ping(); return null } })
  fastify.addHook('onClose', async () => { await database.close() })
}, { name: 'database', dependencies: ['readiness'] })

declare module 'fastify' {
  interface FastifyInstance {
    database: Database
    keyRepository: KeyRepository
    keys: KeyService
  }
}
