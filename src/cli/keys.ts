import type { ApiKeyRecord } from '../db/keys-repository.ts'
import { keyStatus, type KeyService } from '../auth/key-service.ts'
import { parseExpiry } from '../auth/tokens.ts'
import { UsageError, type CliIo } from './io.ts'

const shortDate = (iso: string | null, none: string): string => (iso === null ? none : iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))

export function describeKey (key: ApiKeyRecord, now = new Date()): string {
  return [
    `Token: ${key.prefix}***`,
    `Name: ${key.name}`,
    `Created: ${shortDate(key.createdAt, '-')}`,
    `Last used: ${shortDate(key.lastUsedAt, 'never')}`,
    `Expires: ${shortDate(key.expiresAt, 'never')}`,
    `Status: ${keyStatus(key, now)}`
  ].join(' | ')
}

const keyJson = (key: ApiKeyRecord, now = new Date()) => ({
  name: key.name,
  prefix: key.prefix,
  scopes: key.scopes,
  created_at: key.createdAt,
  last_used_at: key.lastUsedAt,
  expires_at: key.expiresAt,
  revoked_at: key.revokedAt,
  status: keyStatus(key, now)
})

/**
 * Keys are created with the default scope (`member`). No `--scopes`: nothing enforces scopes yet, and an option that
 * looks like access control but is not would be a trap; it comes back with the issue that enforces them.
 */
export async function createKey (keys: KeyService, io: CliIo, opts: { name?: string, expires?: string, json?: boolean }): Promise<number> {
  const name = opts.name?.trim()
  if (name === undefined || name === '') throw new UsageError('create needs --name NAME')
  let expiresAt: Date | null
  try {
    expiresAt = parseExpiry(opts.expires ?? 'never')
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const { token, key } = await keys.create({ name, expiresAt })
  if (opts.json === true) {
    io.out(JSON.stringify({ ...keyJson(key), token }))
    return 0
  }
  io.out('API Key Created Successfully!')
  io.out(`Name: ${key.name}`)
  io.out(`Token: ${token}`)
  io.out(`Expires: ${shortDate(key.expiresAt, 'never')}`)
  io.out('Keep this token safe! Pass it in the Authorization header as: Token <token>')
  return 0
}

export async function listKeys (keys: KeyService, io: CliIo, opts: { all?: boolean, json?: boolean }): Promise<number> {
  const list = await keys.list({ includeRevoked: opts.all === true })
  if (opts.json === true) {
    io.out(JSON.stringify(list.map((k) => keyJson(k))))
    return 0
  }
  if (list.length === 0) {
    io.out(opts.all === true ? 'No API keys.' : 'No active API keys. Create one with: earshot create --name NAME')
    return 0
  }
  for (const key of list) io.out(describeKey(key))
  return 0
}

export async function revokeKey (keys: KeyService, io: CliIo, prefix: string | undefined): Promise<number> {
  if (prefix === undefined || prefix.trim() === '') throw new UsageError('revoke needs the key prefix: earshot revoke <prefix>')
  const outcome = await keys.revoke(prefix)
  switch (outcome.kind) {
    case 'revoked': {
      io.out(`Successfully revoked key '${outcome.key.name}' starting with ${outcome.key.prefix}`)
      const { replicas, unconfirmed } = outcome.propagation
      // Revoked all the same; these replicas refuse it once their PostgreSQL connection recovers or drops.
      if (unconfirmed > 0) io.err(`Warning: ${unconfirmed} of ${replicas} replicas did not confirm within 5 s that they refuse it.`)
      return 0
    }
    case 'ambiguous':
      io.err(`Prefix '${prefix}' matches ${outcome.matches.length} keys; nothing was revoked. Give the whole token, or revoke one of:`)
      for (const key of outcome.matches) io.err(`  ${describeKey(key)}`)
      return 1
    case 'already-revoked':
      io.err(`Key '${outcome.key.name}' starting with ${outcome.key.prefix} is already revoked.`)
      return 1
    case 'not-found':
      io.err(`No key starts with '${prefix}'. List keys with: earshot list`)
      return 1
  }
}
