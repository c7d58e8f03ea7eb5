#!/usr/bin/env node
// Builds bench/vad/whisper-vad-probs.cc against whisper.cpp v1.9.1 (the tree inside the nodejs-whisper dev
// dependency) with the SIMD flags scripts/build-whisper.mjs picks for the engine, into bench/.cache/whisper-vad.
// Measurement only: the program runs whisper.cpp's own Silero VAD for bench/vad and for the converter test.
//
// Plain g++/gcc, no cmake (a fresh machine promises only python3, make and a C++ compiler), no OpenMP (like the
// engine), CPU backend only. Objects are cached; a stamp of the flags decides when to rebuild. Usage:
//   node bench/vad/build-whisper-vad.mjs [outDir]   → prints the program's path
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chooseFlags } from '../../scripts/build-whisper.mjs'

const root = fileURLToPath(new URL('../..', import.meta.url))
const STAMP_VERSION = 1

export function whisperTree () {
  const pkg = dirname(createRequire(join(root, 'package.json')).resolve('nodejs-whisper/package.json'))
  const tree = join(pkg, 'cpp/whisper.cpp')
  if (!existsSync(join(tree, 'src/whisper.cpp'))) throw new Error(`no whisper.cpp tree at ${tree}`)
  return tree
}

function sources (tree) {
  const g = (p) => join(tree, 'ggml/src', p)
  return [
    join(tree, 'src/whisper.cpp'),
    ...['ggml.c', 'ggml.cpp', 'ggml-alloc.c', 'ggml-backend.cpp', 'ggml-backend-reg.cpp', 'ggml-backend-dl.cpp', 'ggml-backend-meta.cpp',
      'ggml-opt.cpp', 'ggml-quants.c', 'ggml-threading.cpp', 'gguf.cpp'].map(g),
    ...['ggml-cpu.c', 'ggml-cpu.cpp', 'ops.cpp', 'binary-ops.cpp', 'unary-ops.cpp', 'vec.cpp', 'quants.c', 'repack.cpp',
      'traits.cpp', 'hbm.cpp', 'arch/x86/quants.c', 'arch/x86/repack.cpp'].map((p) => g(`ggml-cpu/${p}`)),
    fileURLToPath(new URL('./whisper-vad-probs.cc', import.meta.url))
  ]
}

function run (cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d) => { err += d })
    child.on('error', reject)
    child.on('close', (code) => code === 0 ? resolve() : reject(new Error(`${cmd} ${args.at(-1)} failed (${code}):\n${err.slice(-4000)}`)))
  })
}

/** Builds (or reuses) the program; resolves to its path. */
export async function buildWhisperVad ({ outDir = join(root, 'bench/.cache/whisper-vad'), log = () => {} } = {}) {
  const tree = whisperTree()
  const flags = chooseFlags()
  const exe = join(outDir, 'whisper-vad-probs')
  const stampPath = join(outDir, 'stamp.json')
  const want = { version: STAMP_VERSION, flags, tree, probe: statSync(sources(tree).at(-1)).mtimeMs }
  if (existsSync(exe) && existsSync(stampPath)) {
    try {
      if (JSON.stringify(JSON.parse(readFileSync(stampPath, 'utf8'))) === JSON.stringify(want)) return exe
    } catch {}
  }
  mkdirSync(join(outDir, 'obj'), { recursive: true })
  const defines = ['-DNDEBUG', '-D_GNU_SOURCE', '-D_XOPEN_SOURCE=600', '-DGGML_USE_CPU', '-DGGML_SCHED_MAX_COPIES=4',
    '-DGGML_VERSION="0.15.1"', '-DGGML_COMMIT="nodejs-whisper-0.3.1"', '-DWHISPER_VERSION="1.9.1"']
  const includes = ['include', 'ggml/include', 'ggml/src', 'ggml/src/ggml-cpu', 'src'].map((d) => `-I${join(tree, d)}`)
  const simd = flags ? flags.split(/\s+/) : []
  const srcs = sources(tree)
  const objects = srcs.map((s, i) => join(outDir, 'obj', `${i}-${basename(s)}.o`))
  log(`compiling ${srcs.length} files of whisper.cpp v1.9.1 with "${flags || '(no SIMD flags)'}" …`)
  const started = Date.now()
  const queue = srcs.map((s, i) => [s, objects[i]])
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const [src, obj] = job
      const c = src.endsWith('.c')
      await run(c ? (process.env.CC || 'gcc') : (process.env.CXX || 'g++'),
        [c ? '-std=c11' : '-std=c++17', '-O2', '-fPIC', '-pthread', ...simd, ...defines, ...includes, '-c', '-o', obj, src])
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, availableParallelism()) }, worker))
  await run(process.env.CXX || 'g++', ['-pthread', '-o', exe, ...objects, '-lm', '-ldl'])
  writeFileSync(stampPath, JSON.stringify(want))
  log(`built ${exe} in ${((Date.now() - started) / 1000).toFixed(0)} s`)
  return exe
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildWhisperVad({ outDir: process.argv[2], log: (m) => console.error(`[build-whisper-vad] ${m}`) })
    .then((exe) => console.log(exe), (err) => { console.error(err.message); process.exitCode = 1 })
}
