import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import { DCLinter } from 'dclint'
import { parse } from 'yaml'
import { configSchema } from '../src/config.ts'
import { build } from './helpers/build.ts'

// No Docker engine runs where the tests run, so the compose deployment is checked statically: the Compose
// Specification's JSON schema, the dclint linter, every file and setting it names, and HAProxy's own checker.
const root = fileURLToPath(new URL('..', import.meta.url))
const composeFile = `${root}docker-compose.yml`
const haproxyFile = `${root}deploy/haproxy.cfg`
const haproxyCfg = readFileSync(haproxyFile, 'utf8')

interface Service {
  image?: string
  build?: string | { context: string }
  command?: string[]
  environment?: Record<string, string>
  volumes?: string[]
  healthcheck?: { test?: string[], disable?: boolean }
  deploy?: { replicas?: number }
  depends_on?: Record<string, { condition: string }>
}
interface Compose { services: Record<string, Service>, volumes: Record<string, unknown> }
// `<<` merge keys resolved, as Compose does
const compose = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as Compose
const services = compose.services
const earshotServices = Object.entries(services).filter(([, s]) => s.image === 'earshot:local')

// Added by the PostgreSQL branch of the same issue (#13, item 1); until it is merged src/config.ts lacks it.
test('docker-compose.yml is valid against the Compose Specification schema', () => {
  // dclint ships the Compose Specification's compose-spec.json (github.com/compose-spec/compose-spec, schema/)
  const { $schema, ...schema } = JSON.parse(readFileSync(`${root}node_modules/dclint/schemas/compose.schema.json`, 'utf8')) as { $schema: string }
  assert.match($schema, /draft-07/, 'Ajv\'s default draft') // spelt https://, which Ajv does not know by that name
  const ajv = new Ajv({ strict: false, allErrors: true })
  addFormats.default(ajv)
  const validate = ajv.compile(schema)
  assert.ok(validate(compose), ajv.errorsText(validate.errors))
})

test('docker-compose.yml lints clean with dclint', () => {
  // Style rules that would reorder the file against how it reads (services by role, not alphabet; keys by
  // purpose) are off; no-build-and-image is off because the one image built here is named so every earshot
  // service runs the same build.
  const off = ['services-alphabetical-order', 'service-keys-order', 'top-level-properties-order', 'no-build-and-image']
  const linter = new DCLinter({ rules: Object.fromEntries(off.map((r) => [r, 0])), quiet: false, debug: false, exclude: [] })
  const results = linter.lintFiles([composeFile], false) as Array<{ messages: Array<{ line: number, rule: string, message: string }> }>
  const messages = results.flatMap((r) => r.messages.map((m) => `${m.line}: ${m.rule}: ${m.message}`))
  assert.deepEqual(messages, [])
})

test('the deployment: PostgreSQL, two API replicas, one `earshot worker`, a least-connections proxy', () => {
  assert.match(services.postgres?.image ?? '', /^postgres:\d+/)
  assert.equal(services.api?.deploy?.replicas, 2)
  assert.deepEqual(services.worker?.command, ['earshot', 'worker'])
  for (const [name, s] of earshotServices) {
    assert.match(s.environment?.DATABASE_URL ?? '', /^postgres:\/\/[^@]+@postgres:5432\//, name)
    assert.equal(s.depends_on?.postgres?.condition, 'service_healthy', name)
    assert.ok(s.volumes?.some((v) => v.startsWith('models:/app/models')), `${name} mounts the models volume`)
  }
  assert.ok('models' in compose.volumes && 'pgdata' in compose.volumes)
  assert.match(haproxyCfg, /^\s*balance leastconn$/m)
  assert.match(haproxyCfg, /^\s*timeout tunnel 1h$/m)
  assert.match(haproxyCfg, /^\s*server-template api \d+ api:7860\b/m, 'the proxy finds every replica of the api service')
})

test('every file the compose file names exists, and the image passes commands to the CLI', () => {
  for (const [name, s] of Object.entries(services)) {
    if (s.build !== undefined) {
      const context = typeof s.build === 'string' ? s.build : s.build.context
      assert.ok(existsSync(`${root}${context}/Dockerfile`), `${name}: build context has a Dockerfile`)
    }
    for (const volume of s.volumes ?? []) {
      const source = volume.split(':')[0] as string
      if (source.startsWith('.')) assert.ok(existsSync(`${root}${source}`), `${name}: ${source} exists`)
      else assert.ok(source in compose.volumes, `${name}: named volume ${source} is declared`)
    }
  }
  const entrypoint = readFileSync(`${root}scripts/docker-entrypoint.sh`, 'utf8')
  assert.match(entrypoint, /\[ "\$1" = "earshot" \] && shift/, '`earshot worker` reaches the CLI as `worker`')
  assert.deepEqual(services.models?.command?.slice(0, 2), ['models', 'download'])
})

test('every earshot setting in the compose file is a key of src/config.ts', () => {
  const known = new Set(Object.keys(configSchema.shape))
  for (const [name, s] of earshotServices) {
    for (const key of Object.keys(s.environment ?? {})) {
      assert.ok(known.has(key), `${name}: ${key} is not a setting`)
    }
  }
  // what the compose file relies on without setting it
  assert.equal(configSchema.shape.PORT.parse(undefined), 7860)
})

test('the health checks of the compose file and the proxy probe a route that answers 200 when ready', async (t) => {
  const apiCheck = services.api?.healthcheck?.test?.join(' ') ?? ''
  const composePath = /http:\/\/127\.0\.0\.1:7860(\/[\w/]+)/.exec(apiCheck)?.[1]
  const proxyPath = /^\s*http-check send meth GET uri (\S+)$/m.exec(haproxyCfg)?.[1]
  assert.ok(composePath !== undefined && proxyPath !== undefined)
  assert.equal(proxyPath, composePath, 'the proxy and compose agree on readiness')
  for (const name of ['worker', 'models']) assert.equal(services[name]?.healthcheck?.disable, true, `${name} runs no HTTP server`)

  const app = await build(t)
  await app.app.engine.ready()
  for (const path of [composePath, '/health/live']) assert.equal((await app.fetch(path)).status, 200, path)
  // the proxy hides /metrics from the public side; Prometheus scrapes the replicas themselves
  assert.match(haproxyCfg, /http-request deny deny_status 404 if \{ path_beg \/metrics \}/)
})

test('deploy/haproxy.cfg passes `haproxy -c`', () => {
  const run = spawnSync('haproxy', ['-c', '-f', haproxyFile], { encoding: 'utf8' })
  if (run.error) throw new Error(`haproxy is needed for this test (${run.error.message}); .ci/run installs it from Debian`)
  const output = `${run.stdout}${run.stderr}`
  assert.equal(run.status, 0, output)
  // The only warnings allowed: Docker's DNS name `api` does not resolve outside Docker (init-addr none covers it).
  const warnings = output.split('\n').filter((l) => l.includes('[WARNING]'))
  assert.ok(warnings.every((w) => /could not resolve address 'api'/.test(w)), warnings.join('\n'))
})
