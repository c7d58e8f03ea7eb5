#!/usr/bin/env node
// `npm test`: the checks (tsc and the linter) and every test file under test/, run by Node's own
// test runner, one process per file, several files at once. Extra arguments filter files by path substring
// (`npm test -- auth`); the checks run only with the whole suite.
//
// - Concurrency: `--concurrency=N` (default: the machine's cores + 1). Each file runs as `node --test-reporter=spec
//   <file>`; its output is printed in one piece when it ends, headed by its wall time and test count.
// - Serial files: a file whose first lines hold a comment starting `// test:serial` runs after the others, alone,
//   one at a time: it measures latency, load, memory or races that other processes on the cores would distort.
// - PostgreSQL: when a selected file uses test/helpers/postgres.ts, one embedded PostgreSQL serves the whole run;
//   its URL reaches the files as EARSHOT_TEST_POSTGRES_URL and each test takes a fresh database on it (a file run on
//   its own, without this runner, starts its own cluster).
// - Order: the slowest files first, from the durations the last whole run recorded in test/.cache/ (file size
//   otherwise), so no long file starts last.
import { spawn } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
// The whole suite lints what it runs (neostandard, eslint.config.js); a filtered run lints with --lint.
const FILE_LIMIT_MS = 10 * 60_000
const DURATIONS = join(root, 'test/.cache/test-durations.json')
const SERIAL_MARK = /^\/\/ test:serial\b/m
const USES_POSTGRES = /helpers\/postgres\.ts['"]/

const args = process.argv.slice(2)
const option = (name) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1]
// One more than the cores: a file spends part of its time waiting (for its servers, processes, timers, PostgreSQL).
// On 2 cores: 3 at once took the suite from 4.0 to 3.1 min; 4 at once gained nothing more.
const concurrency = Math.max(1, Number(option('concurrency') ?? availableParallelism() + 1))
const lint = args.includes('--lint')
const filters = args.filter((a) => !a.startsWith('--'))

function walk (dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.test.ts') ? [path] : []
  })
}

const files = walk(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()
if (files.length === 0) {
  console.error('no test files matched')
  process.exit(1)
}
const wholeSuite = filters.length === 0
const head = (file) => readFileSync(join(root, file), 'utf8')
function readDurations () {
  try { return JSON.parse(readFileSync(DURATIONS, 'utf8')) } catch { return {} } // none yet, or unreadable: sizes
}
const recorded = readDurations()
// Recorded milliseconds when known; else a guess from the size (a long file is usually a slow one).
const expectedMs = (file) => recorded[file] ?? statSync(join(root, file)).size / 10
const slowestFirst = (a, b) => expectedMs(b) - expectedMs(a)
const serial = files.filter((f) => SERIAL_MARK.test(head(f).slice(0, 2000))).sort(slowestFirst)
const parallel = files.filter((f) => !serial.includes(f)).sort(slowestFirst)

const checks = []
// Node strips types without checking them: the whole suite type-checks and lints what it runs.
if (wholeSuite) checks.push({ name: 'tsc --noEmit', argv: [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', root] })
if (wholeSuite || lint) checks.push({ name: 'eslint', argv: [join(root, 'node_modules/eslint/bin/eslint.js'), '.'] })

// V8's compiled code (TypeScript included, after stripping) kept across processes: about a tenth of each file's CPU.
const env = { NODE_COMPILE_CACHE: join(root, 'test/.cache/node-compile'), ...process.env }
// Started while the checks run; the test files wait for it.
const postgres = files.some((f) => USES_POSTGRES.test(head(f)))
  ? import('../test/helpers/postgres.ts').then(async ({ RUN_POSTGRES_ENV, startPostgres }) => {
    const cluster = await startPostgres()
    env[RUN_POSTGRES_ENV] = cluster.url
    return cluster
  })
  : Promise.resolve(undefined)
// Each job leads a process group of its own (its servers, browsers and PostgreSQL): a kill takes all of it.
const children = new Set()
const killGroup = (child) => { try { process.kill(-child.pid, 'SIGKILL') } catch {} }
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const child of children) killGroup(child)
    void postgres.then((cluster) => cluster?.stop()).finally(() => process.exit(130))
  })
}

/** Runs one job as a process; resolves with what it printed, how it ended and its test counts. */
async function runJob ({ name, argv, needs }) {
  await needs
  const started = performance.now()
  return await new Promise((resolve) => {
    const child = spawn(process.execPath, argv, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    children.add(child)
    const chunks = []
    child.stdout.on('data', (d) => chunks.push(d))
    child.stderr.on('data', (d) => chunks.push(d))
    const limit = setTimeout(() => {
      chunks.push(Buffer.from(`\n${name}: still running after ${FILE_LIMIT_MS / 60_000} min, killed\n`))
      killGroup(child)
    }, FILE_LIMIT_MS)
    child.on('close', (code, signal) => {
      clearTimeout(limit)
      children.delete(child)
      const output = Buffer.concat(chunks).toString()
      const count = (what) => Number([...output.matchAll(new RegExp(`^ℹ ${what} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0)
      resolve({ name, output, ok: code === 0, code: code ?? signal, ms: performance.now() - started, tests: count('tests'), failed: count('fail') })
    })
  })
}

const results = []
function report (result) {
  results.push(result)
  const tests = result.tests > 0 ? `, ${result.tests} tests` : ''
  const verdict = result.ok ? '' : ` FAILED (exit ${result.code})`
  process.stdout.write(`\n━━ ${result.name} (${(result.ms / 1000).toFixed(1)} s${tests})${verdict}\n${result.output}`)
}

async function pool (jobs, width) {
  const queue = [...jobs]
  const lane = async () => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) report(await runJob(job))
  }
  await Promise.all(Array.from({ length: Math.min(width, queue.length) }, lane))
}

const asTest = (file) => ({ name: file, argv: ['--test-reporter=spec', file], needs: postgres })
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`
const t0 = performance.now()
let passes
try {
  await pool([...checks, ...parallel.map(asTest)], concurrency)
  const parallelMs = performance.now() - t0
  await pool(serial.map(asTest), 1)
  passes = `${parallel.length} files ${concurrency} at a time in ${seconds(parallelMs)}` +
    (serial.length > 0 ? `, then ${serial.length} serial files in ${seconds(performance.now() - t0 - parallelMs)}` : '')
} finally {
  await (await postgres)?.stop()
}

const fileResults = results.filter((r) => files.includes(r.name))
if (wholeSuite && results.every((r) => r.ok)) {
  mkdirSync(join(root, 'test/.cache'), { recursive: true })
  writeFileSync(DURATIONS, JSON.stringify(Object.fromEntries(fileResults.map((r) => [r.name, Math.round(r.ms)])), null, 1))
}
const failed = results.filter((r) => !r.ok)
const total = (key) => fileResults.reduce((sum, r) => sum + r[key], 0)
console.log('\n── summary')
console.log(`slowest: ${fileResults.toSorted((a, b) => b.ms - a.ms).slice(0, 8).map((r) => `${r.name} ${seconds(r.ms)}`).join(', ')}`)
console.log(`${files.length} files, ${total('tests')} tests, ${total('failed')} failed; ${passes}; ${seconds(performance.now() - t0)} in all`)
if (failed.length > 0) {
  console.log(`failed: ${failed.map((r) => r.name).join(', ')}`)
  process.exit(1)
}
