/**
 * How the native addon was built, as recorded by scripts/build-whisper.mjs. `systemInfo` is whisper's own line
 * read from the built addon (whisper_print_system_info), so `simd` says what is really compiled in.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ADDON_PATH } from './binding.ts'

export interface BuildInfo {
  /** Flags the build used, e.g. "-msse3 -mavx -mavx2 -mfma -mf16c". */
  flags: string
  /** Flags chosen for this CPU before any fallback. */
  requested: string
  /** True when the chosen flags failed the smoke run and a safer set was built instead. */
  fellBack: boolean
  cflags: string
  /** whisper's line: "... CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | ..."; null if unknown. */
  systemInfo: string | null
  /** Parsed systemInfo: { AVX: true, AVX2: true, FMA: true, ... }. */
  simd: Record<string, boolean>
  whisperVersion: string | null
  /** Smoke run per weight type: 'ok', 'crashed (SIGILL)', ... */
  smoke: Record<string, string>
  builtAt: string
  buildSeconds: number | null
  /** False if the addon changed after the record was written (rebuilt by something else). */
  current: boolean
  stampPath: string
}

/** Reads "A = 1 | B = 0 | ..." (sections like "CPU : SSE3 = 1" included). */
export function parseSystemInfo (line: string | null): Record<string, boolean> {
  const out: Record<string, boolean> = {}
  for (const part of (line ?? '').split('|')) {
    const m = /([A-Z0-9_]+)\s*=\s*(\d+)\s*$/.exec(part)
    if (m) out[m[1] as string] = m[2] !== '0'
  }
  return out
}

/** The build record, or null when the addon was not built by scripts/build-whisper.mjs. */
export function readBuildInfo (): BuildInfo | null {
  const stampPath = join(dirname(dirname(ADDON_PATH)), 'earshot-build.json')
  if (!existsSync(stampPath)) return null
  const stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as {
    flags?: string, requested?: string, fellBack?: boolean, cflags?: string, systemInfo?: string | null,
    whisperVersion?: string | null, smoke?: Record<string, string>, builtAt?: string, buildSeconds?: number,
    addon?: { size?: number, mtimeMs?: number }
  }
  let current = false
  if (existsSync(ADDON_PATH)) {
    const st = statSync(ADDON_PATH)
    current = stamp.addon?.size === st.size && stamp.addon?.mtimeMs === Math.round(st.mtimeMs)
  }
  return {
    flags: stamp.flags ?? '',
    requested: stamp.requested ?? stamp.flags ?? '',
    fellBack: stamp.fellBack === true,
    cflags: stamp.cflags ?? '',
    systemInfo: stamp.systemInfo ?? null,
    simd: parseSystemInfo(stamp.systemInfo ?? null),
    whisperVersion: stamp.whisperVersion ?? null,
    smoke: stamp.smoke ?? {},
    builtAt: stamp.builtAt ?? '',
    buildSeconds: stamp.buildSeconds ?? null,
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
