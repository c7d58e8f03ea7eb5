// Authenticated cheap route vs a bare Fastify hello-world, measured side by side in one run.
// Each server runs in its own process; autocannon drives both from this one, alternating rounds (A B A B …)
// so drift on the machine hits both alike. Prints each round, then medians, the ratio and p99.
// Usage: npm run bench:auth -- [--seconds 10] [--rounds 3] [--connections 50] [--log-level warn] [--usage]
// --usage adds the cost of usage recording (docs/keys-and-usage.md "Usage"): GET /v1/models on a server counting usage in memory
// (the default) and on one writing an upsert per request (USAGE_FLUSH_MS=0), plus /v1/auth/key's usage read.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { generateModel } from '../scripts/generate-model.mjs'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    'log-level': { type: 'string', default: 'warn' },
    usage: { type: 'boolean', default: false }
  }
})
const root = fileURLToPath(new URL('..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'earshot-bench-'))

const freePort = (): Promise<number> => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number }
    s.close(() => resolve(port))
  })
})

async function start (script: string, env: Record<string, string>, readyUrl: (port: number) => string) {
  const port = await freePort()
  const child = spawn(process.execPath, [script, String(port)], { cwd: root, env: { ...process.env, ...env, PORT: String(port) }, stdio: 'inherit' })
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(readyUrl(port))).ok) break
    } catch {}
    // a minute: on a loaded machine module loading and the model take far longer than the usual second
    if (i > 1200 || child.exitCode !== null) {
      child.kill('SIGTERM')
      throw new Error(`${script} did not start`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return { port, pid: child.pid as number, stop: () => child.kill('SIGTERM') }
}

/** CPU seconds (user + system) a process has used, from /proc: the server's own cost, whatever the load generator's. */
function cpuSeconds (pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) / 100
}

async function load (url: string, headers: Record<string, string>, pid: number) {
  const cpuBefore = cpuSeconds(pid)
  const result = await autocannon({ url, headers, connections: Number(values.connections), duration: Number(values.seconds) })
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`)
  const cpuUsPerRequest = ((cpuSeconds(pid) - cpuBefore) * 1e6) / result.requests.total
  return { rps: result.requests.average, p99: result.latency.p99, cpuUs: cpuUsPerRequest }
}

// The route under test never transcribes: the tiny-dims synthetic model only satisfies start-up.
generateModel(join(dir, 'ggml-small-test.bin'), { arch: 'small-test' })
const env = {
  DATABASE_PATH: join(dir, 'bench.db'),
  MODELS_DIR: dir,
  DEFAULT_MODEL: 'small-test',
  AUTO_DOWNLOAD_MODEL: 'false',
  HOST: '127.0.0.1',
  LOG_LEVEL: values['log-level'] as string,
  RATE_LIMIT_MAX: '1000000000'
}
const created = spawn(process.execPath, [join(root, 'bin/earshot.mjs'), 'create', '--name', 'bench', '--json'], { env: { ...process.env, ...env } })
let out = ''
created.stdout.on('data', (d) => { out += String(d) })
await new Promise((resolve) => created.on('close', resolve))
const token = (JSON.parse(out) as { token: string }).token

const hello = await start('bench/hello-server.ts', {}, (p) => `http://127.0.0.1:${p}/hello`)
const earshot = await start('src/server.ts', env, (p) => `http://127.0.0.1:${p}/health`)
const writeThrough = values.usage === true
  ? await start('src/server.ts', { ...env, USAGE_FLUSH_MS: '0' }, (p) => `http://127.0.0.1:${p}/health`)
  : undefined
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
type Sample = { rps: number, p99: number, cpuUs: number }
const headers = { authorization: `Token ${token}` }
const targets: Array<{ label: string, run: () => Promise<Sample> }> = [
  { label: 'bare Fastify hello-world', run: () => load(`http://127.0.0.1:${hello.port}/hello`, {}, hello.pid) },
  { label: 'earshot GET /v1/auth/key (Token auth, key lookup, rate limit, usage read)', run: () => load(`http://127.0.0.1:${earshot.port}/v1/auth/key`, headers, earshot.pid) }
]
if (writeThrough !== undefined) {
  targets.push(
    { label: 'earshot GET /v1/models, usage counted in memory (USAGE_FLUSH_MS=5000)', run: () => load(`http://127.0.0.1:${earshot.port}/v1/models`, headers, earshot.pid) },
    { label: 'earshot GET /v1/models, one usage upsert per request (USAGE_FLUSH_MS=0)', run: () => load(`http://127.0.0.1:${writeThrough.port}/v1/models`, headers, writeThrough.pid) }
  )
}
const samples: Sample[][] = targets.map(() => [])
try {
  for (let round = 1; round <= Number(values.rounds); round++) {
    const line: string[] = []
    for (const [i, target] of targets.entries()) {
      const sample = await target.run()
      samples[i]?.push(sample)
      line.push(`${target.label.split(' (')[0]} ${sample.rps.toFixed(0)} rps (p99 ${sample.p99} ms, ${sample.cpuUs.toFixed(1)} µs CPU/req)`)
    }
    console.log(`round ${round}: ${line.join(' | ')}`)
  }
} finally {
  hello.stop()
  earshot.stop()
  writeThrough?.stop()
  rmSync(dir, { recursive: true, force: true })
}
const medians = samples.map((rows) => ({ rps: median(rows.map((r) => r.rps)), p99: median(rows.map((r) => r.p99)), cpuUs: median(rows.map((r) => r.cpuUs)) }))
console.log(`\n${values.connections} connections, ${values.seconds} s x ${values.rounds} rounds, earshot LOG_LEVEL=${values['log-level']}`)
console.log(`load average: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`)
console.log('| server | median rps | median p99 (ms) | server CPU per request (µs) |')
console.log('|---|---|---|---|')
for (const [i, target] of targets.entries()) {
  const m = medians[i] as Sample
  console.log(`| ${target.label} | ${m.rps.toFixed(0)} | ${m.p99} | ${m.cpuUs.toFixed(1)} |`)
}
const [bare, auth] = medians as [Sample, Sample]
console.log(`ratio authenticated / bare: ${(auth.rps / bare.rps).toFixed(3)} rps (target >= 0.85); CPU per request ${(auth.cpuUs / bare.cpuUs).toFixed(2)}x`)
