import type { KeyUsage, UsageRepository } from '../db/usage-repository.ts'
import { sinceHour } from '../usage/period.ts'
import { UsageError, type CliIo } from './io.ts'

const shortDate = (iso: string | null): string => (iso === null ? 'never' : iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))

const usageJson = (k: KeyUsage, since: string | null) => ({
  name: k.name,
  prefix: k.prefix,
  status: k.revokedAt === null ? 'live' : 'revoked',
  since,
  requests: k.requests,
  failed_requests: k.failedRequests,
  audio_seconds: k.audioSeconds,
  hours: k.audioSeconds / 3600,
  last_used_at: k.lastUsedAt
})

/** `earshot usage [prefix] [--since 7d] [--json]`: figures per key, as written by the servers so far. */
export async function showUsage (usage: UsageRepository, io: CliIo, opts: { prefix?: string | undefined, since?: string | undefined, json?: boolean }): Promise<number> {
  let since: string | null = null
  if (opts.since !== undefined) {
    try {
      since = sinceHour(opts.since)
    } catch (err) {
      throw new UsageError((err as Error).message)
    }
  }
  const rows = await usage.perKey({ prefix: opts.prefix, sinceHour: since ?? undefined })
  if (opts.json === true) {
    io.out(JSON.stringify(rows.map((k) => usageJson(k, since))))
    return 0
  }
  if (rows.length === 0) {
    io.out(opts.prefix !== undefined ? `No key starts with '${opts.prefix}'. List keys with: earshot list` : 'No API keys. Create one with: earshot create --name NAME')
    return 0
  }
  io.out(since === null ? 'Usage per key, all time:' : `Usage per key since ${shortDate(since)}:`)
  for (const k of rows) {
    io.out([
      `Token: ${k.prefix}***`,
      `Name: ${k.name}${k.revokedAt === null ? '' : ' (revoked)'}`,
      `Requests: ${k.requests}`,
      `Failed: ${k.failedRequests}`,
      `Audio: ${k.audioSeconds.toFixed(1)} s`,
      `Last used: ${shortDate(k.lastUsedAt)}`
    ].join(' | '))
  }
  return 0
}
