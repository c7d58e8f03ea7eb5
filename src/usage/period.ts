/** Usage is kept per UTC hour: the hour a moment falls in, and `--since` ages such as 30m, 24h, 7d. */

const HOUR_MS = 3_600_000

export const hourIndex = (ms: number): number => Math.floor(ms / HOUR_MS)

/** Start of the UTC hour with this index, as stored in key_usage.hour. */
export const hourStart = (index: number): string => new Date(index * HOUR_MS).toISOString()

const UNIT_MS = { m: 60_000, h: HOUR_MS, d: 24 * HOUR_MS, w: 7 * 24 * HOUR_MS } as const

/**
 * `30m`, `24h`, `7d` or `2w` back from `now`, as the first hour to count: buckets are hours, so the cutoff is
 * rounded down to the start of its hour (`--since 30m` at 10:45 counts from 10:00).
 */
export function sinceHour (age: string, now: number = Date.now()): string {
  const match = /^(\d+)([mhdw])$/.exec(age.trim())
  const n = Number(match?.[1])
  if (match === null || !(n > 0)) throw new Error(`invalid --since '${age}': use e.g. 30m, 24h, 7d or 2w`)
  return hourStart(hourIndex(now - n * UNIT_MS[match[2] as keyof typeof UNIT_MS]))
}
