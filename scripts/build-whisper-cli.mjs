#!/usr/bin/env node
// Builds the `main` CLI of the previous engine's whisper.cpp (the 2024-10 tree inside smart-whisper@0.8.1, unpacked
// from `npm pack` by scripts/build-whisper-bench.mjs), with the addon's SIMD flags: bench/prerecorded's ratio (c),
// new engine against old. Bench-only.
//
// - The tree is copied into the cache dir first: node_modules is never written to.
// - The npm tarball lacks scripts/get-flags.mk (only included by the Makefile for compiler-specific warnings):
//   an empty one is written.
// - UNAME_M=none keeps the Makefile from adding -march=native (the addon has no -march), GGML_NO_OPENMP=1 matches
//   the addon (which has no OpenMP: ggml's own thread pool in both), WHISPER_NO_CCACHE=1 keeps it reproducible.
// - CFLAGS/CXXFLAGS: the caller passes the addon's recorded SIMD flags (+ -DNDEBUG -D_GNU_SOURCE); by default what
//   scripts/build-whisper.mjs would choose. Both builds use -O3.
//
// Idempotent: the build is keyed by the flags, the compiler and a hash of the whisper.cpp tree; a matching build
// in the cache is reused (a few ms). `--force` rebuilds.
//
// usage: node scripts/build-whisper-cli.mjs [--out DIR] [--force] [--json]
//   prints the path of the binary (or, with --json, {path, key, cflags, cxxflags, built, seconds}) on stdout;
//   progress goes to stderr.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chooseFlags } from './build-whisper.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const log = (msg) => console.error(`[build-whisper-cli] ${msg}`)
const STAMP_VERSION = 1
export const DEFAULT_OUT = join(root, 'bench/.cache/whisper-cli')

function listFiles (dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)])
    .sort()
}

function treeHash (dir) {
  const h = createHash('sha1')
  for (const f of listFiles(dir)) {
    if (/\.(o|a|so)$/.test(f)) continue
    h.update(relative(dir, f)).update('\0').update(readFileSync(f)).update('\0')
  }
  return h.digest('hex')
}

/** What scripts/build-whisper.mjs would pick now, with the defines the old tree's Makefile build needs. */
export function defaultFlags () {
  const defines = process.platform === 'linux' ? '-DNDEBUG -D_GNU_SOURCE' : '-DNDEBUG'
  const flags = `${defines} ${chooseFlags()}`.trim()
  return { cflags: flags, cxxflags: flags, from: 'scripts/build-whisper.mjs chooseFlags()' }
}

function compilerId () {
  const cc = process.env.CC || 'cc'
  const cxx = process.env.CXX || 'c++'
  const v = (bin) => (spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout || '').split('\n')[0]
  return `${cc}: ${v(cc)} | ${cxx}: ${v(cxx)}`
}

/** Builds (or reuses) the CLI. Returns { path, key, cflags, cxxflags, built, seconds }. */
export function buildWhisperCli ({ pkgDir = join(root, 'bench/.cache/smart-whisper-0.8.1/package'), cflags: given, out = DEFAULT_OUT, force = false } = {}) {
  const srcDir = join(pkgDir, 'whisper.cpp')
  if (!existsSync(join(srcDir, 'Makefile'))) throw new Error(`no whisper.cpp Makefile in ${srcDir} (run scripts/build-whisper-bench.mjs)`)
  const { cflags, cxxflags, from } = given ? { cflags: given, cxxflags: given, from: 'caller' } : defaultFlags()
  const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version
  const key = createHash('sha1')
    .update(JSON.stringify({ v: STAMP_VERSION, version, cflags, cxxflags, cc: compilerId(), tree: treeHash(srcDir) }))
    .digest('hex').slice(0, 12)
  const dir = resolve(out)
  const buildDir = join(dir, `build-${key}`)
  const exe = join(buildDir, 'main')
  const stampPath = join(buildDir, 'earshot-cli-build.json')
  if (!force && existsSync(exe) && existsSync(stampPath)) {
    try {
      const stamp = JSON.parse(readFileSync(stampPath, 'utf8'))
      if (stamp.key === key) {
        log(`reusing ${relative(root, exe)} (flags unchanged)`)
        return { path: exe, key, cflags, cxxflags, built: false, seconds: 0 }
      }
    } catch {} // unreadable stamp: rebuild
  }

  // Fresh copy in a temp dir, renamed into place when done: an interrupted build never looks complete.
  mkdirSync(dir, { recursive: true })
  const tmp = join(dir, `.tmp-${key}-${process.pid}`)
  rmSync(tmp, { recursive: true, force: true })
  cpSync(srcDir, tmp, { recursive: true, filter: (p) => !/\.(o|a|so)$/.test(p) })
  mkdirSync(join(tmp, 'scripts'), { recursive: true })
  writeFileSync(join(tmp, 'scripts/get-flags.mk'), '# empty: not in the npm tarball (compiler-specific warning flags only)\n')

  const args = ['-C', tmp, `-j${Math.max(1, availableParallelism())}`, 'main',
    'UNAME_M=none', 'GGML_NO_OPENMP=1', 'WHISPER_NO_CCACHE=1', `CFLAGS=${cflags}`, `CXXFLAGS=${cxxflags}`]
  log(`building whisper.cpp main (smart-whisper ${version}) with CFLAGS "${cflags}" (from ${from}); ~30-60 s...`)
  const started = Date.now()
  const res = spawnSync('make', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 })
  if (res.status !== 0) {
    const tail = `${res.stdout ?? ''}\n${res.stderr ?? ''}`.split('\n').filter(Boolean).slice(-30).join('\n')
    rmSync(tmp, { recursive: true, force: true })
    throw new Error(`make main failed (exit ${res.status ?? res.signal}):\n${tail}`)
  }
  const seconds = (Date.now() - started) / 1000
  const makeInfo = (res.stdout ?? '').split('\n').filter((l) => l.startsWith('I ')).join('\n')
  writeFileSync(join(tmp, 'earshot-cli-build.json'), JSON.stringify({
    version: STAMP_VERSION, key, smartWhisper: version, cflags, cxxflags, flagsFrom: from, compiler: compilerId(),
    makeArgs: args.slice(2), makeInfo, builtAt: new Date().toISOString(), buildSeconds: seconds
  }, null, 2) + '\n')
  // keep only this build: older keys are stale by definition
  for (const e of readdirSync(dir)) {
    if (e.startsWith('build-')) rmSync(join(dir, e), { recursive: true, force: true })
  }
  renameSync(tmp, buildDir)
  log(`built ${relative(root, exe)} in ${seconds.toFixed(1)} s`)
  return { path: exe, key, cflags, cxxflags, built: true, seconds }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const argv = process.argv.slice(2)
  const outAt = argv.indexOf('--out')
  try {
    const result = buildWhisperCli({
      out: outAt >= 0 ? argv[outAt + 1] : DEFAULT_OUT,
      force: argv.includes('--force')
    })
    console.log(argv.includes('--json') ? JSON.stringify(result) : result.path)
  } catch (err) {
    log(err instanceof Error ? err.message : String(err))
    process.exitCode = 1
  }
}
