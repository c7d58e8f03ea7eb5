// The addon must be built with the SIMD this CPU has (a baseline build is 8-10x slower).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cpuFlags, parseSystemInfo, readBuildInfo } from '../../src/engine/build-info.ts'
import { chooseFlags } from '../../scripts/build-whisper.mjs'

test('parseSystemInfo reads whisper system-info lines', () => {
  assert.deepEqual(parseSystemInfo('AVX = 1 | AVX2 = 0 | FMA = 1 | CANN = 0'), { AVX: true, AVX2: false, FMA: true, CANN: false })
  assert.deepEqual(parseSystemInfo(null), {})
})

test('flag choice follows /proc/cpuinfo', () => {
  const saved = process.env.EARSHOT_WHISPER_CFLAGS
  delete process.env.EARSHOT_WHISPER_CFLAGS
  try {
    assert.equal(chooseFlags(['pni', 'ssse3', 'avx', 'avx2', 'fma', 'f16c'], 'x64'), '-msse3 -mssse3 -mavx -mavx2 -mfma -mf16c')
    assert.match(chooseFlags(['avx2', 'avx512f', 'avx512bw', 'avx512_vnni'], 'x64'), /^-mavx2 -mavx512f -mavx512bw -mavx512vnni$/)
    assert.equal(chooseFlags(['sse2'], 'x64'), '')
    assert.equal(chooseFlags(['avx2'], 'arm64'), '')
    process.env.EARSHOT_WHISPER_CFLAGS = ' -mavx '
    assert.equal(chooseFlags(['avx2'], 'x64'), '-mavx')
  } finally {
    if (saved === undefined) delete process.env.EARSHOT_WHISPER_CFLAGS
    else process.env.EARSHOT_WHISPER_CFLAGS = saved
  }
})

test('the installed addon was built by scripts/build-whisper.mjs with the CPU SIMD compiled in', () => {
  const info = readBuildInfo()
  assert.ok(info, 'no build record: run `node scripts/build-whisper.mjs` (npm ci runs it as postinstall)')
  assert.equal(info.current, true, `addon changed since ${info.stampPath} was written; rebuild with --force`)
  assert.ok(info.systemInfo, 'the system-info probe did not run')
  const cpu = cpuFlags()
  const expect: Array<[string, string]> = [['avx', 'AVX'], ['avx2', 'AVX2'], ['fma', 'FMA'], ['f16c', 'F16C'], ['pni', 'SSE3'], ['ssse3', 'SSSE3'], ['avx512f', 'AVX512']]
  for (const [flag, key] of expect) {
    if (cpu.has(flag) && !process.env.EARSHOT_WHISPER_CFLAGS) assert.equal(info.simd[key], true, `${key} missing from "${info.systemInfo}"`)
  }
  if (cpu.has('avx2')) assert.match(info.systemInfo, /AVX2 = 1/)
})
