#!/usr/bin/env node
// Builds the smart-whisper addon with the SIMD flags this CPU supports (project postinstall).
//
// Why: smart-whisper's binding.gyp passes no compiler flags, so its own install script builds baseline x86-64
// without AVX (8-10x slower). package.json sets `"allowScripts": {"smart-whisper": false}` so npm does not build it
// twice, and this script rebuilds it once with npm's bundled node-gyp and CFLAGS/CXXFLAGS picked from /proc/cpuinfo.
// It works offline (`--nodedir` falls back to the local Node headers) and needs no stdin.
//
// The flags target THIS machine's CPU, like -march=native: a node_modules copied to an older CPU can die with
// SIGILL. For a portable build set EARSHOT_WHISPER_CFLAGS (e.g. "" for baseline, or "-mavx -mavx2 -mfma -mf16c").
//
// The flags used and whisper's own system-info line (read by linking the compiled objects into a tiny probe
// program) are recorded in node_modules/smart-whisper/build/earshot-build.json; src/engine/build-info.ts reads it.
// Re-running with the same flags is a no-op; `--force` or EARSHOT_REBUILD_WHISPER=1 rebuilds anyway.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const STAMP_VERSION = 3
// Preprocessor defines whisper.cpp's own Makefile uses and binding.gyp lacks:
// - NDEBUG: without it ggml keeps debug asserts in its kernels and prints allocator chatter to stderr per run.
// - _GNU_SOURCE (Linux): ggml.c uses CPU_ZERO, pthread_setaffinity_np etc. (NUMA / affinity paths); without it
//   they compile as implicit declarations and stay undefined symbols in the addon (a crash if ever reached).
const DEFINES = process.platform === 'linux' ? '-DNDEBUG -D_GNU_SOURCE' : '-DNDEBUG'
const root = fileURLToPath(new URL('..', import.meta.url))
const log = (msg) => console.error(`[build-whisper] ${msg}`)

// /proc/cpuinfo flag -> gcc/clang option. Order is the order they appear in CFLAGS.
const X86_FLAGS = [
  ['pni', '-msse3'], ['ssse3', '-mssse3'], ['sse4_1', '-msse4.1'], ['sse4_2', '-msse4.2'],
  ['avx', '-mavx'], ['avx2', '-mavx2'], ['fma', '-mfma'], ['f16c', '-mf16c'],
  ['avx_vnni', '-mavxvnni'],
  ['avx512f', '-mavx512f'], ['avx512dq', '-mavx512dq'], ['avx512bw', '-mavx512bw'], ['avx512vl', '-mavx512vl'],
  ['avx512cd', '-mavx512cd'], ['avx512vbmi', '-mavx512vbmi'], ['avx512_vnni', '-mavx512vnni'],
  ['avx512_bf16', '-mavx512bf16']
]

export function cpuFlags () {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => /^flags\s*:/.test(l))
    return line ? line.split(':')[1].trim().split(/\s+/) : []
  } catch {
    return [] // not Linux: no cpuinfo, build with the compiler defaults (NEON is implied on arm64)
  }
}

export function chooseFlags (flags = cpuFlags(), arch = process.arch) {
  if (process.env.EARSHOT_WHISPER_CFLAGS !== undefined) return process.env.EARSHOT_WHISPER_CFLAGS.trim()
  if (arch !== 'x64' && arch !== 'ia32') return ''
  const have = new Set(flags)
  return X86_FLAGS.filter(([f]) => have.has(f)).map(([, opt]) => opt).join(' ')
}

function findNodeGyp () {
  const candidates = []
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp)
  // npm_execpath is npm's own bin/npm-cli.js when run from npm; otherwise look next to the node binary
  if (process.env.npm_execpath) candidates.push(join(dirname(process.env.npm_execpath), '../node_modules/node-gyp/bin/node-gyp.js'))
  const prefix = dirname(dirname(process.execPath))
  candidates.push(join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'))
  candidates.push(join(prefix, 'node_modules/npm/node_modules/node-gyp/bin/node-gyp.js')) // Windows layout
  try { candidates.push(createRequire(join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js')) } catch {}
  return candidates.find((p) => existsSync(p))
}

// Offline builds need local headers: node-gyp would otherwise try to download them from nodejs.org.
function findNodeDir () {
  if (process.env.npm_config_nodedir) return undefined // npm passes it to node-gyp through the environment
  for (const dir of ['/usr', dirname(dirname(process.execPath))]) {
    if (existsSync(join(dir, 'include/node/node_api.h'))) return dir
  }
  return undefined
}

function addonFacts (pkgDir) {
  const addon = join(pkgDir, 'build/Release/smart-whisper.node')
  if (!existsSync(addon)) return null
  const st = statSync(addon)
  return { path: addon, size: st.size, mtimeMs: Math.round(st.mtimeMs) }
}

const listObjects = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? listObjects(join(dir, e.name)) : e.name.endsWith('.o') ? [join(dir, e.name)] : [])

// Links whisper.cpp's compiled objects (not the N-API glue) into a throwaway program that prints
// whisper_print_system_info(): proof of what the addon was actually compiled with, not what we asked for.
function probeSystemInfo (pkgDir) {
  const objDir = join(pkgDir, 'build/Release/obj.target/smart-whisper/whisper.cpp')
  if (!existsSync(objDir)) return null
  const objects = listObjects(objDir)
  const tmp = mkdtempSync(join(tmpdir(), 'earshot-probe-'))
  try {
    writeFileSync(join(tmp, 'probe.cc'), 'extern "C" const char * whisper_print_system_info(void);\n' +
      '#include <cstdio>\nint main() { std::puts(whisper_print_system_info()); return 0; }\n')
    const exe = join(tmp, 'probe')
    const cxx = process.env.CXX || 'c++'
    const link = spawnSync(cxx, [join(tmp, 'probe.cc'), ...objects, '-o', exe, '-lpthread', '-lm'], { encoding: 'utf8' })
    if (link.status !== 0) { log(`system-info probe did not link (${(link.stderr || '').split('\n')[0]})`); return null }
    const run = spawnSync(exe, [], { encoding: 'utf8' })
    return run.status === 0 ? run.stdout.trim() : null
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

function main () {
  const force = process.argv.includes('--force') || process.env.EARSHOT_REBUILD_WHISPER === '1'
  let pkgDir
  try {
    pkgDir = dirname(createRequire(join(root, 'package.json')).resolve('smart-whisper/package.json'))
  } catch {
    log('smart-whisper is not installed; nothing to build.')
    return 0
  }
  const stampPath = join(pkgDir, 'build/earshot-build.json')
  const flags = chooseFlags()
  const backend = process.env.COMPUTE_BACKEND ?? null

  if (!force && existsSync(stampPath)) {
    try {
      const stamp = JSON.parse(readFileSync(stampPath, 'utf8'))
      const addon = addonFacts(pkgDir)
      if (stamp.version === STAMP_VERSION && stamp.flags === flags && stamp.defines === DEFINES && stamp.computeBackend === backend && addon &&
          stamp.addon?.size === addon.size && stamp.addon?.mtimeMs === addon.mtimeMs) {
        log(`smart-whisper already built with flags "${flags}"; skipping (use --force to rebuild).`)
        return 0
      }
    } catch {} // unreadable stamp: rebuild
  }

  const nodeGyp = findNodeGyp()
  if (!nodeGyp) {
    log('cannot find node-gyp (npm normally bundles it and sets npm_config_node_gyp). Run this through npm, ' +
      'or install node-gyp, then: node scripts/build-whisper.mjs')
    return 1
  }
  const nodedir = findNodeDir()
  const args = [nodeGyp, 'rebuild', '--jobs', 'max', ...(nodedir ? [`--nodedir=${nodedir}`] : [])]
  const env = {
    ...process.env,
    CFLAGS: `${process.env.CFLAGS ?? ''} ${DEFINES} ${flags}`.trim(),
    CXXFLAGS: `${process.env.CXXFLAGS ?? ''} ${DEFINES} ${flags}`.trim()
  }
  log(`building smart-whisper with flags "${flags || '(none)'}" (${nodedir ? `nodedir=${nodedir}` : `nodedir from npm: ${process.env.npm_config_nodedir ?? 'default'}`}); this takes ~30 s...`)
  const started = Date.now()
  const res = spawnSync(process.execPath, args, { cwd: pkgDir, env, stdio: ['ignore', 'inherit', 'inherit'] })
  if (res.status !== 0) {
    log(`node-gyp rebuild failed (exit ${res.status ?? res.signal}). It needs python3, make and a C/C++ compiler; ` +
      'offline it also needs local Node headers (nodedir=/usr in .npmrc, or npm_config_nodedir).')
    return 1
  }
  const seconds = (Date.now() - started) / 1000
  const systemInfo = probeSystemInfo(pkgDir)
  const stamp = {
    version: STAMP_VERSION,
    flags,
    defines: DEFINES,
    cflags: env.CFLAGS,
    cxxflags: env.CXXFLAGS,
    computeBackend: backend,
    cpuFlags: cpuFlags().filter((f) => X86_FLAGS.some(([x]) => x === f)),
    systemInfo,
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    builtAt: new Date().toISOString(),
    buildSeconds: seconds,
    addon: addonFacts(pkgDir)
  }
  writeFileSync(stampPath, JSON.stringify(stamp, null, 2) + '\n')
  log(`built in ${seconds.toFixed(1)} s. whisper system info: ${systemInfo ?? '(probe unavailable)'}`)
  return 0
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main()
