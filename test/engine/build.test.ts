// The addon must be built with the SIMD this CPU has (a baseline build is 8-10x slower), and proven to run.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cpuFlags, parseSystemInfo, readBuildInfo } from '../../src/engine/build-info.ts'
import { nativeInfo } from '../../src/engine/binding.ts'
import { chooseFlags, flagCandidates, PORTABLE_FLAGS, SMOKE_TYPES } from '../../scripts/build-whisper.mjs'

test('parseSystemInfo reads whisper system-info lines, sections included', () => {
  assert.deepEqual(parseSystemInfo('AVX = 1 | AVX2 = 0 | FMA = 1 | CANN = 0'), { AVX: true, AVX2: false, FMA: true, CANN: false })
  assert.deepEqual(parseSystemInfo('WHISPER : COREML = 0 | CPU : SSE3 = 1 | AVX2 = 1 |'), { COREML: false, SSE3: true, AVX2: true })
  assert.deepEqual(parseSystemInfo(null), {})
})

function withEnv (vars: Record<string, string | undefined>, fn: () => void): void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]))
  for (const [k, v] of Object.entries(vars)) { if (v === undefined) delete process.env[k]; else process.env[k] = v }
  try { fn() } finally {
    for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v }
  }
}

test('flag choice follows /proc/cpuinfo; AMX only on request; the env var overrides', () => {
  withEnv({ EARSHOT_WHISPER_CFLAGS: undefined, EARSHOT_WHISPER_AMX: undefined }, () => {
    assert.equal(chooseFlags(['pni', 'ssse3', 'avx', 'avx2', 'fma', 'f16c'], 'x64'), '-msse3 -mssse3 -mavx -mavx2 -mfma -mf16c')
    assert.equal(chooseFlags(['avx2', 'avx512f', 'avx512bw', 'avx512_vnni'], 'x64'), '-mavx2 -mavx512f -mavx512bw -mavx512vnni')
    assert.equal(chooseFlags(['avx2', 'amx_tile', 'amx_int8'], 'x64'), '-mavx2') // listed is not proven: SIGILL here
    assert.equal(chooseFlags(['sse2'], 'x64'), '')
    assert.equal(chooseFlags(['avx2'], 'arm64'), '')
    // fallbacks: chosen set, the portable x86-64-v3 set, baseline
    const v4 = ['pni', 'ssse3', 'avx', 'avx2', 'fma', 'f16c', 'avx512f']
    assert.deepEqual(flagCandidates(v4, 'x64'), [chooseFlags(v4, 'x64'), PORTABLE_FLAGS, ''])
    assert.deepEqual(flagCandidates(['sse2'], 'x64'), [''])
  })
  withEnv({ EARSHOT_WHISPER_AMX: '1', EARSHOT_WHISPER_CFLAGS: undefined }, () => {
    assert.equal(chooseFlags(['avx2', 'amx_tile', 'amx_int8'], 'x64'), '-mavx2 -mamx-tile -mamx-int8')
  })
  withEnv({ EARSHOT_WHISPER_CFLAGS: ' -mavx ' }, () => {
    assert.equal(chooseFlags(['avx2'], 'x64'), '-mavx')
  })
})

test('the installed addon was built by scripts/build-whisper.mjs, smoke-tested, with the CPU SIMD compiled in', () => {
  const info = readBuildInfo()
  assert.ok(info, 'no build record: run `node scripts/build-whisper.mjs` (npm ci runs it as postinstall)')
  assert.equal(info.current, true, `addon changed since ${info.stampPath} was written; rebuild with --force`)
  assert.ok(info.systemInfo, 'no system info recorded')
  for (const type of SMOKE_TYPES) assert.equal(info.smoke[type], 'ok', `smoke run of ${type}`)
  // the record says what the loaded addon says
  const live = nativeInfo()
  assert.equal(live.systemInfo, info.systemInfo)
  assert.equal(live.version, info.whisperVersion)
  assert.match(live.version, /^1\.\d+\.\d+/)
  const cpu = cpuFlags()
  const expect: Array<[string, string]> = [['avx', 'AVX'], ['avx2', 'AVX2'], ['fma', 'FMA'], ['f16c', 'F16C'], ['pni', 'SSE3'], ['ssse3', 'SSSE3'], ['avx512f', 'AVX512']]
  if (!info.fellBack && process.env.EARSHOT_WHISPER_CFLAGS === undefined) {
    for (const [flag, key] of expect) {
      if (cpu.has(flag)) assert.equal(info.simd[key], true, `${key} missing from "${info.systemInfo}"`)
    }
    if (cpu.has('avx2')) assert.match(info.systemInfo, /AVX2 = 1/)
  }
  assert.doesNotMatch(info.flags, /amx/, 'AMX is only enabled on request (EARSHOT_WHISPER_AMX=1)')
})
