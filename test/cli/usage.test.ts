// `earshot usage` (the CLI's entry point, in this process): the table, --json, --since leaving out older hours, a prefix, bad input.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { openSqliteKeyRepository } from '../../src/db/keys-repository.ts'
import { UsageRepository } from '../../src/db/usage-repository.ts'
import { hourIndex, hourStart } from '../../src/usage/period.ts'
import { tempDir } from '../helpers/build.ts'
import { earshot } from '../helpers/cli.ts'

test('usage: per-key table and JSON; --since drops older hours; a prefix picks one key', async (t) => {
  const env = { DATABASE_PATH: join(tempDir(t), 'keys.db') }
  const create = async (name: string) => (JSON.parse((await earshot(['create', '--name', name, '--json'], env)).stdout) as { token: string }).token
  const laptop = await create('laptop')
  const ci = await create('ci')
  const empty = await earshot(['usage'], env)
  assert.equal(empty.code, 0, empty.stderr)
  assert.match(empty.stdout, /Name: laptop \| Requests: 0 \| Failed: 0 \| Audio: 0\.0 s \| Last used: never$/m)

  // What a server writes: this hour, and three days ago.
  const repo = openSqliteKeyRepository(env.DATABASE_PATH)
  const usage = new UsageRepository(repo.db)
  const [laptopId, ciId] = (await repo.list({ includeRevoked: false })).map((k) => k.id) as [number, number]
  const now = hourIndex(Date.now())
  await usage.add([
    { keyId: laptopId, hour: hourStart(now), requests: 4, failedRequests: 1, audioSeconds: 12.25, lastUsedAt: new Date().toISOString() },
    { keyId: laptopId, hour: hourStart(now - 72), requests: 10, failedRequests: 0, audioSeconds: 100, lastUsedAt: hourStart(now - 72) },
    { keyId: ciId, hour: hourStart(now - 72), requests: 1, failedRequests: 1, audioSeconds: 0, lastUsedAt: hourStart(now - 72) }
  ])
  await repo.close()

  const table = await earshot(['usage'], env)
  assert.equal(table.code, 0, table.stderr)
  const lines = table.stdout.trim().split('\n')
  assert.equal(lines[0], 'Usage per key, all time:')
  assert.match(lines[1] ?? '', new RegExp(`^Token: ${laptop.slice(0, 8)}\\*\\*\\* \\| Name: laptop \\| Requests: 14 \\| Failed: 1 \\| Audio: 112\\.3 s \\| Last used: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`))
  assert.match(lines[2] ?? '', /Name: ci \| Requests: 1 \| Failed: 1 \| Audio: 0\.0 s/)
  assert.ok(!table.stdout.includes(laptop.slice(8)), 'never the token')

  type Row = { name: string, requests: number, failed_requests: number, audio_seconds: number, hours: number, since: string | null }
  const json = async (...args: string[]) => {
    const run = await earshot(['usage', '--json', ...args], env)
    assert.equal(run.code, 0, run.stderr)
    return JSON.parse(run.stdout) as Row[]
  }
  assert.deepEqual((await json()).map((r) => [r.name, r.requests, r.since]), [['laptop', 14, null], ['ci', 1, null]])
  const lastTwoDays = await json('--since', '2d')
  assert.deepEqual(lastTwoDays.map((r) => [r.name, r.requests, r.failed_requests, r.audio_seconds]), [['laptop', 4, 1, 12.25], ['ci', 0, 0, 0]])
  assert.equal(lastTwoDays[0]?.since, hourStart(now - 48))
  assert.equal(lastTwoDays[0]?.hours, 12.25 / 3600)
  assert.equal((await json('--since', '4d'))[0]?.requests, 14)
  assert.deepEqual((await json(ci.slice(0, 5))).map((r) => r.name), ['ci'])
  assert.match((await earshot(['usage', '--since', '24h'], env)).stdout, /^Usage per key since \d{4}-\d\d-\d\d \d\d:00:00Z:$/m)
})

test('usage: a bad --since or two prefixes is a usage error (exit 2); an unknown prefix says so', async (t) => {
  const env = { DATABASE_PATH: join(tempDir(t), 'keys.db') }
  const bad = await earshot(['usage', '--since', '7 days'], env)
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /invalid --since '7 days': use e\.g\. 30m, 24h, 7d or 2w/)
  assert.equal((await earshot(['usage', 'ab', 'cd'], env)).code, 2)
  const unknown = await earshot(['usage', 'abcd'], env)
  assert.equal(unknown.code, 0)
  assert.match(unknown.stdout, /No key starts with 'abcd'/)
})
