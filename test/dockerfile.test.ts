import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import { fileURLToPath } from 'node:url'
import { validate } from 'dockerfile-utils'

// No Docker engine runs where the tests run, so the Dockerfile is checked statically: the linter VS Code's
// Docker support uses, plus the properties the image promises.
const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8')

test('the Dockerfile lints clean', () => {
  const problems = validate(dockerfile).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)
  assert.deepEqual(problems, [])
})

test('the image is multi-stage, non-root, health-checked, with data and models volumes on port 7860', () => {
  assert.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 2, 'multi-stage')
  assert.match(dockerfile, /^USER node$/m)
  assert.match(dockerfile, /^HEALTHCHECK .*\n? *CMD .*\/health/m)
  assert.match(dockerfile, /^VOLUME \["\/app\/data", "\/app\/models"\]$/m)
  assert.match(dockerfile, /^EXPOSE 7860$/m)
  assert.match(dockerfile, /EARSHOT_WHISPER_CFLAGS=/, 'portable SIMD flags, not the build host CPU')
  const entrypoint = readFileSync(new URL('../scripts/docker-entrypoint.sh', import.meta.url), 'utf8')
  assert.match(entrypoint, /exec node bin\/earshot\.mjs "\$@"/, 'docker run … earshot create --name X reaches the CLI')
})

// ---- the image holds only what runs ----

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '))

/** [source, destination] of each COPY in the runtime stage: `fromBuild` ones, or those from the build context. */
function runtimeCopies (fromBuild: boolean): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const line of runtimeStage.split('\n')) {
    if (!line.startsWith('COPY ')) continue
    const words = line.slice(5).trim().split(/\s+/)
    const flags = words.filter((w) => w.startsWith('--'))
    if (flags.some((f) => f.startsWith('--from=')) !== fromBuild) continue
    const args = words.filter((w) => !w.startsWith('--'))
    const dest = args.pop() as string
    for (const src of args) out.push([src, dest.endsWith('/') ? posix.join(dest, posix.basename(src)) : posix.join('/app', dest)])
  }
  return out
}

/** Whether .dockerignore lets `path` into the build context (Docker's rules: the last matching pattern decides). */
function inContext (path: string): boolean {
  const rules = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
  let included = true
  for (const rule of rules) {
    const negated = rule.startsWith('!')
    const pattern = (negated ? rule.slice(1) : rule).replace(/\/$/, '')
    const re = new RegExp(`^${pattern.split('**/').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]*')).join('(?:.*/)?')}(?:/.*)?$`)
    if (re.test(path)) included = negated
  }
  return included
}

test('the runtime stage copies code, production dependencies and the built addon: no tests, benchmarks, docs or sources', () => {
  const context = runtimeCopies(false).map(([src]) => src)
  assert.deepEqual(context.filter((src) => /^(\.|test|bench|docs|deploy|native|\.ci|README\.md|tsconfig\.json)(\/|$)/.test(src)), [])
  assert.deepEqual(runtimeCopies(true).map(([src]) => src), ['/app/node_modules', '/app/native/build/earshot-build.json', '/app/native/build/Release/earshot_whisper.node'])
  assert.match(dockerfile, /^RUN npm ci --omit=dev .*&& sh scripts\/docker-prune\.sh$/m)
  assert.match(dockerfile, /\d+ MB before #19[\s\S]*?\d+ MB now/, 'the measured /app sizes')
})

test('every file the runtime stage copies from the build context exists and .dockerignore lets it in', () => {
  for (const [src] of runtimeCopies(false)) {
    assert.ok(existsSync(join(ROOT, src)), `${src} does not exist`)
    assert.ok(inContext(src), `.dockerignore keeps ${src} out of the build context`)
  }
  for (const src of ['package.json', 'package-lock.json', '.npmrc', 'scripts/build-whisper.mjs', 'native/binding.gyp']) assert.ok(inContext(src), src)
  for (const src of ['test/dockerfile.test.ts', 'bench/README.md', 'docs/licences.md', 'native/build/Release/earshot_whisper.node', '.node/bin/node', '.git/HEAD', 'node_modules/fastify/package.json', '.env']) {
    assert.ok(!inContext(src), `${src} reaches the build context`)
  }
})

test('everything src/ imports from outside src/ (transitively) is in the image', () => {
  const copied = runtimeCopies(false).map(([, dest]) => dest.replace(/^\/app\//, ''))
  const seen = new Set<string>()
  const visit = (file: string): void => {
    // imports, and the files and folders a module finds beside itself (new URL('../../migrations/', import.meta.url))
    for (const m of readFileSync(join(ROOT, file), 'utf8').matchAll(/(?:from|import\(|new URL\()\s*'(\.\.?\/[^']+)'/g)) {
      const target = posix.normalize(posix.join(posix.dirname(file), m[1] as string)).replace(/\/$/, '')
      if (target.startsWith('src/') || seen.has(target)) continue
      seen.add(target)
      if (/\.(m?js|ts)$/.test(target)) visit(target)
    }
  }
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = posix.join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (/\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts')) visit(path)
    }
  }
  walk('src')
  assert.ok(['migrations', 'public/playground', 'native/build/Release/earshot_whisper.node'].every((p) => seen.has(p)), [...seen].join(', '))
  for (const path of seen) {
    if (path.startsWith('native/build/')) continue // copied from the build stage
    assert.ok(copied.some((c) => path === c || path.startsWith(`${c}/`)), `src/ imports ${path}, which the image does not copy`)
  }
})

test('docker-prune.sh keeps this platform\'s binaries and every licence, and removes the rest', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'earshot-prune-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const arch = process.arch
  const files = [
    ...['darwin/arm64', 'win32/x64', 'linux/arm64', 'linux/x64'].map((p) => `node_modules/onnxruntime-node/bin/napi-v6/${p}/onnxruntime_binding.node`),
    'node_modules/onnxruntime-node/dist/index.js',
    ...['darwin-arm64', 'linux-arm64', 'linux-x64', 'linuxmusl-x64', 'win32-x64'].map((p) => `node_modules/better-sqlite3/prebuilds/${p}.node`),
    'node_modules/better-sqlite3/deps/sqlite3/sqlite3.c', 'node_modules/better-sqlite3/src/better_sqlite3.cpp',
    'node_modules/better-sqlite3/lib/index.js', 'node_modules/better-sqlite3/LICENSE',
    'node_modules/nodejs-whisper/package.json', 'node_modules/nodejs-whisper/LICENSE', 'node_modules/nodejs-whisper/dist/index.js',
    'node_modules/nodejs-whisper/cpp/whisper.cpp/LICENSE', 'node_modules/nodejs-whisper/cpp/whisper.cpp/src/whisper.cpp',
    'node_modules/zod/index.d.ts', 'node_modules/zod/index.js', 'node_modules/zod/index.js.map', 'node_modules/zod/LICENSE.md'
  ]
  for (const f of files) {
    mkdirSync(join(dir, posix.dirname(f)), { recursive: true })
    writeFileSync(join(dir, f), 'x')
  }
  const res = spawnSync('sh', [join(ROOT, 'scripts/docker-prune.sh'), dir], { encoding: 'utf8' })
  assert.equal(res.status, 0, res.stderr)
  const left = files.filter((f) => existsSync(join(dir, f)))
  assert.deepEqual(left, [
    `node_modules/onnxruntime-node/bin/napi-v6/linux/${arch}/onnxruntime_binding.node`,
    'node_modules/onnxruntime-node/dist/index.js',
    `node_modules/better-sqlite3/prebuilds/linux-${arch}.node`,
    'node_modules/better-sqlite3/lib/index.js', 'node_modules/better-sqlite3/LICENSE',
    'node_modules/nodejs-whisper/package.json', 'node_modules/nodejs-whisper/LICENSE', 'node_modules/nodejs-whisper/cpp/whisper.cpp/LICENSE',
    'node_modules/zod/index.js', 'node_modules/zod/LICENSE.md'
  ].sort((a, b) => files.indexOf(a) - files.indexOf(b)))
  // a package that changed its layout fails the image build instead of the container
  rmSync(join(dir, `node_modules/better-sqlite3/prebuilds/linux-${arch}.node`))
  assert.notEqual(spawnSync('sh', [join(ROOT, 'scripts/docker-prune.sh'), dir]).status, 0)
})
