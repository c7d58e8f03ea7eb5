// The baseline for bench/auth.ts: a bare Fastify hello-world, same Fastify version, no plugins.
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/hello', async () => ({ hello: 'world' }))
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 0) })
process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)) })
