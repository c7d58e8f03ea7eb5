import closeWithGrace from 'close-with-grace'
import { ConfigError, loadConfig } from './config.ts'
import { createApp } from './app.ts'
import { ModelMissingError, ensureDefaultModel } from './model-setup.ts'

let config
try {
  config = loadConfig()
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  process.stderr.write(`${err.message}\n`)
  process.exit(1)
}

try {
  await ensureDefaultModel(config)
} catch (err) {
  if (!(err instanceof ModelMissingError)) throw err
  process.stderr.write(`${err.message}\n`)
  process.exit(1)
}

const app = await createApp(config)

closeWithGrace({ delay: config.SHUTDOWN_GRACE_SECONDS * 1000 }, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'shutting down after an error')
  else app.log.info({ signal }, 'shutting down')
  await app.close()
})

try {
  await app.listen({ port: config.PORT, host: config.HOST })
} catch (err) {
  app.log.fatal({ err }, 'could not start')
  await app.close()
  process.exit(1)
}
