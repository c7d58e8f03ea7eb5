import fp from 'fastify-plugin'
import { KeyService } from '../auth/key-service.ts'
import { openSqliteKeyRepository, type KeyRepository } from '../db/keys-repository.ts'
import { UsageRepository } from '../db/usage-repository.ts'

/** Opens the key store (SQLite by default), exposes the key service, and closes the store last on shutdown. */
export default fp<{ path: string }>(async (fastify, { path }) => {
  const repository = openSqliteKeyRepository(path)
  const keys = new KeyService(repository, (err) => fastify.log.warn({ err }, 'could not record key use'))
  fastify.decorate('keyRepository', repository)
  fastify.decorate('keys', keys)
  // Same connection as the keys: on SQLite, usage writes through another one would move data_version and empty
  // the key cache (key-service.ts) at every flush.
  fastify.decorate('usageRepository', new UsageRepository(repository.db))
  fastify.readiness.add({ name: 'database', check: async () => { await repository.ping(); return null } })
  fastify.addHook('onClose', async () => { await repository.close() })
}, { name: 'database', dependencies: ['readiness'] })

declare module 'fastify' {
  interface FastifyInstance {
    keyRepository: KeyRepository
    keys: KeyService
    usageRepository: UsageRepository
  }
}
