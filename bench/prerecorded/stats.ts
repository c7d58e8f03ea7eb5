// Small statistics and formatting helpers for the benchmark report.
import { cpus, loadavg } from 'node:os'

export function median (xs: readonly number[]): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid] as number : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile (xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number
}

export const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0)

export const ms = (x: number): string => `${x.toFixed(0)} ms`
export const sec = (x: number): string => `${(x / 1000).toFixed(2)} s`
export const ratio = (x: number): string => x.toFixed(3)

export function loadAverage (): string {
  return loadavg().map((x) => x.toFixed(2)).join(' ')
}

export function machine (): string {
  const c = cpus()
  return `${c.length} cores (${c[0]?.model.trim() ?? 'unknown CPU'})`
}

export function table (header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

export const log = (msg: string): void => { process.stderr.write(`[bench:prerecorded] ${msg}\n`) }
