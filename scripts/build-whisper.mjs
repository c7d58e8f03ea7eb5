#!/usr/bin/env node
// Builds earshot's whisper.cpp addon (native/) for the CPU it runs on (project postinstall).
//
// - Sources: whisper.cpp v1.9.1 inside the exactly pinned npm package nodejs-whisper (cpp/whisper.cpp); compiled by
//   npm's bundled node-gyp from native/binding.gyp. No cmake, no network (`--nodedir` falls back to the local Node
//   headers; keep nodedir=/usr in .npmrc), no stdin. binding.gyp sits in native/, not at the root, so npm does not
//   run its implicit `node-gyp rebuild` for the root package on top of this one.
// - Flags: the instruction sets /proc/cpuinfo lists (AVX512 variants included), like -march=native but explicit.
//   AMX stays off unless EARSHOT_WHISPER_AMX=1: some virtual machines list amx_* yet trap the instructions (SIGILL
//   in ggml's AMX repack path). EARSHOT_WHISPER_CFLAGS sets the flags outright (Docker: a portable set).
// - Proof: after each build a child process loads a tiny generated model in every weight type earshot offers
//   (f16, q8_0, q5_0, q5_1) and decodes a second of audio. A crash (SIGILL...) or failure falls back to a safer
//   flag set (x86-64-v3, then baseline) and rebuilds.
// - Record: native/build/earshot-build.json (flags, whisper's system-info line from the built addon, smoke result
//   per weight type, fallbacks, seconds); src/engine/build-info.ts reads it, a test checks it against the CPU.
// Re-running with the same flags and the same native/ sources is a no-op; `--force` or EARSHOT_REBUILD_WHISPER=1
// rebuilds anyway.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const STAMP_VERSION = 5
const root = fileURLToPath(new URL('..', import.meta.url))
const nativeDir = join(root, 'native')
export const ADDON = join(nativeDir, 'build/Release/earshot_whisper.node')
export const STAMP = join(nativeDir, 'build/earshot-build.json')
export const SMOKE_TYPES = ['f16', 'q8_0', 'q5_0', 'q5_1']
const log = (msg) => console.error(`[build-whisper] ${msg}`)

// /proc/cpuinfo flag -> gcc/clang option. Order is the order they appear in CFLAGS.
const X86_FLAGS = [
  ['pni', '-msse3'], ['ssse3', '-mssse3'], ['sse4_1', '-msse4.1'], ['sse4_2', '-msse4.2'],
  ['avx', '-mavx'], ['avx2', '-mavx2'], ['fma', '-mfma'], ['f16c', '-mf16c'], ['bmi2', '-mbmi2'],
  ['avx_vnni', '-mavxvnni'],
  ['avx512f', '-mavx512f'], ['avx512dq', '-mavx512dq'], ['avx512bw', '-mavx512bw'], ['avx512vl', '-mavx512vl'],
  ['avx512cd', '-mavx512cd'], ['avx512vbmi', '-mavx512vbmi'], ['avx512_vnni', '-mavx512vnni'],
  ['avx512_bf16', '-mavx512bf16']
]
const AMX_FLAGS = [['amx_tile', '-mamx-tile'], ['amx_int8', '-mamx-int8'], ['amx_bf16', '-mamx-bf16']]
/** x86-64-v3 (AVX2/FMA/F16C, any x86 server since ~2015): the portable set and the first fallback. */
export const PORTABLE_FLAGS = '-msse3 -mssse3 -mavx -mavx2 -mfma -mf16c'

export function cpuFlags () {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => /^flags\s*:/.test(l))
    return line ? line.split(':')[1].trim().split(/\s+/) : []
  } catch {
    return [] // not Linux: build with the compiler defaults (NEON is implied on arm64)
  }
}

export function chooseFlags (flags = cpuFlags(), arch = process.arch) {
  if (process.env.EARSHOT_WHISPER_CFLAGS !== undefined) return process.env.EARSHOT_WHISPER_CFLAGS.trim()
  if (arch !== 'x64' && arch !== 'ia32') return ''
  const have = new Set(flags)
  const table = process.env.EARSHOT_WHISPER_AMX === '1' ? [...X86_FLAGS, ...AMX_FLAGS] : X86_FLAGS
  return table.filter(([f]) => have.has(f)).map(([, opt]) => opt).join(' ')
}

/** Flag sets to try in order: the chosen one, then the portable set (when the CPU has it), then baseline. */
export function flagCandidates (flags = cpuFlags(), arch = process.arch) {
  const first = chooseFlags(flags, arch)
  const have = new Set(flags)
  const out = [first]
  const v3 = ['pni', 'ssse3', 'avx', 'avx2', 'fma', 'f16c'].every((f) => have.has(f))
  if ((arch === 'x64' || arch === 'ia32') && v3) out.push(PORTABLE_FLAGS)
  out.push('')
  return [...new Set(out)]
}

function findNodeGyp () {
  const candidates = []
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp)
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

/** Hash of earshot's own native sources (binding.gyp, native/src/*): an edited addon.cc must not be skipped. */
export function nativeSourceHash () {
  const hash = createHash('sha1')
  const files = ['binding.gyp', ...readdirSync(join(nativeDir, 'src')).sort().map((f) => join('src', f))]
  for (const f of files) hash.update(f).update('\0').update(readFileSync(join(nativeDir, f))).update('\0')
  return hash.digest('hex').slice(0, 16)
}

function addonFacts () {
  if (!existsSync(ADDON)) return null
  const st = statSync(ADDON)
  return { size: st.size, mtimeMs: Math.round(st.mtimeMs) }
}

function build (nodeGyp, flags) {
  const nodedir = findNodeDir()
  const args = [nodeGyp, 'rebuild', '--jobs', 'max', '--loglevel', 'warn', ...(nodedir ? [`--nodedir=${nodedir}`] : [])]
  const env = {
    ...process.env,
    CFLAGS: `${process.env.CFLAGS ?? ''} ${flags}`.trim(),
    CXXFLAGS: `${process.env.CXXFLAGS ?? ''} ${flags}`.trim()
  }
  log(`building native/ with flags "${flags || '(baseline)'}"; this takes 1-3 minutes...`)
  const res = spawnSync(process.execPath, args, { cwd: nativeDir, env, stdio: ['ignore', 'ignore', 'inherit'] })
  return { ok: res.status === 0, cflags: env.CFLAGS, status: res.status ?? res.signal }
}

// Loads each generated model in a child process (a SIGILL must not take this script down) and decodes 1 s.
function smoke (modelsDir) {
  const results = {}
  let info = null
  for (const type of SMOKE_TYPES) {
    const res = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--smoke-child', join(modelsDir, `ggml-${type}.bin`)],
      { encoding: 'utf8', timeout: 120_000 })
    const ok = res.status === 0 && res.signal === null
    results[type] = ok ? 'ok' : res.signal ? `crashed (${res.signal})` : `failed (${(res.stderr || '').trim().split('\n').pop()})`
    if (ok) info = JSON.parse(res.stdout.trim().split('\n').pop())
  }
  return { results, info, ok: Object.values(results).every((r) => r === 'ok') }
}

async function smokeChild (modelPath) {
  const addon = createRequire(import.meta.url)(ADDON)
  const model = await addon.loadModel(modelPath, {})
  const pcm = new Float32Array(16000)
  for (let i = 0; i < pcm.length; i++) pcm[i] = 0.1 * Math.sin(2 * Math.PI * 440 * i / 16000)
  const [promise] = model.transcribe(pcm, { threads: 2, language: 'en', audioCtx: 64 })
  const r = await promise
  if (!Array.isArray(r.segments)) throw new Error('no segments')
  model.free()
  console.log(JSON.stringify({ systemInfo: addon.systemInfo().trim(), version: addon.version() }))
}

async function main () {
  const force = process.argv.includes('--force') || process.env.EARSHOT_REBUILD_WHISPER === '1'
  const candidates = flagCandidates()
  const sources = nativeSourceHash() // before the build: what is compiled, even if a file changes meanwhile
  if (!force && existsSync(STAMP)) {
    try {
      const stamp = JSON.parse(readFileSync(STAMP, 'utf8'))
      const addon = addonFacts()
      if (stamp.version === STAMP_VERSION && stamp.requested === candidates[0] && stamp.ok && addon &&
          stamp.sources === sources &&
          stamp.addon?.size === addon.size && stamp.addon?.mtimeMs === addon.mtimeMs) {
        log(`addon already built with flags "${stamp.flags}"; skipping (use --force to rebuild).`)
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
  const { generateModel } = await import('./generate-model.mjs')
  const modelsDir = mkdtempSync(join(tmpdir(), 'earshot-smoke-'))
  const started = Date.now()
  const attempts = []
  try {
    for (const type of SMOKE_TYPES) generateModel(join(modelsDir, `ggml-${type}.bin`), { arch: 'small-test', type })
    for (const flags of candidates) {
      const b = build(nodeGyp, flags)
      if (!b.ok) {
        attempts.push({ flags, build: `failed (${b.status})` })
        log(`node-gyp failed with "${flags}" (exit ${b.status}). It needs python3, make and a C/C++ compiler; offline ` +
          'it also needs local Node headers (nodedir=/usr in .npmrc, or npm_config_nodedir).')
        continue
      }
      const s = smoke(modelsDir)
      attempts.push({ flags, build: 'ok', smoke: s.results })
      if (!s.ok) {
        log(`smoke run failed with "${flags}": ${JSON.stringify(s.results)}; trying a safer flag set`)
        continue
      }
      const seconds = (Date.now() - started) / 1000
      const stamp = {
        version: STAMP_VERSION,
        requested: candidates[0],
        flags,
        cflags: b.cflags,
        fellBack: flags !== candidates[0],
        ok: true,
        smoke: s.results,
        attempts,
        systemInfo: s.info?.systemInfo ?? null,
        whisperVersion: s.info?.version ?? null,
        sources,
        whisperSource: 'nodejs-whisper@' + JSON.parse(readFileSync(join(dirname(createRequire(join(root, 'package.json')).resolve('nodejs-whisper/package.json')), 'package.json'), 'utf8')).version,
        cpuFlags: cpuFlags().filter((f) => [...X86_FLAGS, ...AMX_FLAGS].some(([x]) => x === f)),
        node: process.version,
        platform: process.platform,
        arch: process.arch,
        builtAt: new Date().toISOString(),
        buildSeconds: seconds,
        addon: addonFacts()
      }
      writeFileSync(STAMP, JSON.stringify(stamp, null, 2) + '\n')
      log(`built and smoke-tested (${SMOKE_TYPES.join(', ')}) in ${seconds.toFixed(0)} s. whisper ${stamp.whisperVersion}: ${stamp.systemInfo}`)
      return 0
    }
    log(`no flag set produced a working addon: ${JSON.stringify(attempts)}`)
    return 1
  } finally {
    rmSync(modelsDir, { recursive: true, force: true })
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv[2] === '--smoke-child') {
    smokeChild(process.argv[3]).catch((err) => { console.error(err?.message ?? err); process.exitCode = 1 })
  } else {
    main().then((code) => { process.exitCode = code }, (err) => { log(err?.stack ?? String(err)); process.exitCode = 1 })
  }
}
