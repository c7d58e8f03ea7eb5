/**
 * How the native addon was built, as recorded by scripts/build-whisper.mjs. `simd` is parsed from whisper's own
 * system-info line (whisper_print_system_info of the compiled objects), so it says what is really compiled in.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { addonPath } from './binding.ts'

export interface BuildInfo {
  /** SIMD compiler flags used, e.g. "-mavx -mavx2 -mfma -mf16c". */
  flags: string
  cflags: string
  /** whisper's line: "AVX = 1 | AVX2 = 1 | ..."; null if the probe could not run. */
  systemInfo: string | null
  /** Parsed systemInfo: { AVX: true, AVX2: true, FMA: true, ... }. */
  simd: Record<string, boolean>
  builtAt: string
  /** False if the addon changed after the record was written (rebuilt by something else). */
  current: boolean
  stampPath: string
}

export function parseSystemInfo (line: string | null): Record<string, boolean> {
  const out: Record<string, boolean> = {}
  for (const part of (line ?? '').split('|')) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(\d+)\s*$/.exec(part)
    if (m) out[m[1] as string] = m[2] !== '0'
  }
  return out
}

/** The build record, or null when the addon was not built by scripts/build-whisper.mjs. */
export function readBuildInfo (): BuildInfo | null {
  const addon = addonPath()
  const stampPath = join(dirname(dirname(addon)), 'earshot-build.json')
  if (!existsSync(stampPath)) return null
  const stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as {
    flags?: string, cflags?: string, systemInfo?: string | null, builtAt?: string, addon?: { size?: number, mtimeMs?: number }
  }
  let current = false
  if (existsSync(addon)) {
    const st = statSync(addon)
    current = stamp.addon?.size === st.size && stamp.addon?.mtimeMs === Math.round(st.mtimeMs)
  }
  return {
    flags: stamp.flags ?? '',
    cflags: stamp.cflags ?? '',
    systemInfo: stamp.systemInfo ?? null,
    simd: parseSystemInfo(stamp.systemInfo ?? null),
    builtAt: stamp.builtAt ?? '',
    current,
    stampPath
  }
}

/** SIMD-relevant flags of this CPU from /proc/cpuinfo (empty off Linux). */
export function cpuFlags (): Set<string> {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'))
    return new Set((line?.split(':')[1] ?? '').trim().split(/\s+/).filter(Boolean))
  } catch {
    return new Set()
  }
}
