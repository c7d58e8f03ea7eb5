import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { build, tempDir } from '../helpers/build.ts'
import { earshot, runEarshot } from '../helpers/cli.ts'
import { loadConfig, readEnvironment } from '../../src/config.ts'
import { runCli } from '../../src/cli/run.ts'
import { openSqliteKeyRepository } from '../../src/db/keys-repository.ts'

/** The CLI in this process (nothing here needs its own process): exit code and what it wrote. */
async function cli (args: string[], env: Record<string, string>): Promise<{ code: number, out: string, err: string }> {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(args, { out: (l) => { out.push(l) }, err: (l) => { err.push(l) } }, env)
  return { code, out: out.join('\n'), err: err.join('\n') }
}

test('init creates the database; create shows the token once; list never shows it', async (t) => {
  const dir = tempDir(t)
  const env = { DATABASE_PATH: join(dir, 'sub', 'keys.db') }
  const init = await earshot(['init'], env)
  assert.equal(init.code, 0, init.stderr)
  assert.ok(existsSync(env.DATABASE_PATH))
  assert.equal((await earshot(['init'], env)).code, 0, 'init twice is fine')

  const created = await earshot(['create', '--name', 'AdminToken'], env)
  assert.equal(created.code, 0, created.stderr)
  const lines = created.stdout.trim().split('\n')
  assert.equal(lines[0], 'API Key Created Successfully!')
  assert.equal(lines[1], 'Name: AdminToken')
  const token = /^Token: ([0-9a-f]{64})$/.exec(lines[2] ?? '')?.[1]
  assert.ok(token !== undefined, `token line: ${lines[2]}`)
  assert.equal(lines[3], 'Expires: never')
  assert.equal(lines.at(-1), 'Keep this token safe! Pass it in the Authorization header as: Token <token>')

  const list = await earshot(['list'], env)
  assert.equal(list.code, 0)
  assert.match(list.stdout, new RegExp(`^Token: ${token.slice(0, 8)}\\*\\*\\* \\| Name: AdminToken \\| Created: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ \\| Last used: never \\| Expires: never \\| Status: active$`, 'm'))
  assert.ok(!list.stdout.includes(token.slice(8)), 'list never prints the token')
})

test('create --json and --expires; list --json shows status', async (t) => {
  const env = { DATABASE_PATH: join(tempDir(t), 'keys.db') }
  const created = await earshot(['create', '--name', 'ci', '--expires', '30d', '--json'], env)
  assert.equal(created.code, 0, created.stderr)
  const key = JSON.parse(created.stdout) as { token: string, name: string, expires_at: string, status: string }
  assert.equal(key.name, 'ci')
  assert.equal(key.status, 'active')
  const days = (Date.parse(key.expires_at) - Date.now()) / 86_400_000
  assert.ok(days > 29.9 && days <= 30, `expires in ${days} days`)
  const listed = JSON.parse((await earshot(['list', '--json'], env)).stdout) as Array<Record<string, unknown>>
  assert.equal(listed.length, 1)
  assert.equal(listed[0]?.prefix, key.token.slice(0, 8))
  assert.equal(listed[0]?.token, undefined)
})

test('revoke by prefix; revoked keys show only with --all', async (t) => {
  const env = { DATABASE_PATH: join(tempDir(t), 'keys.db') }
  const token = (JSON.parse((await earshot(['create', '--name', 'AdminToken', '--json'], env)).stdout) as { token: string }).token
  const revoked = await earshot(['revoke', token.slice(0, 8)], env)
  assert.equal(revoked.code, 0, revoked.stderr)
  assert.equal(revoked.stdout.trim(), `Successfully revoked key 'AdminToken' starting with ${token.slice(0, 8)}`)
  assert.match((await earshot(['list'], env)).stdout, /No active API keys/)
  assert.match((await earshot(['list', '--all'], env)).stdout, /Name: AdminToken .*Status: revoked$/m)
  const again = await earshot(['revoke', token.slice(0, 8)], env)
  assert.equal(again.code, 1)
  assert.match(again.stderr, /already revoked/)
})

test('unknown and ambiguous prefixes revoke nothing and exit 1; bad usage exits 2', async (t) => {
  const env = { DATABASE_PATH: join(tempDir(t), 'keys.db') }
  const tokens: string[] = []
  // Keys are random: make enough that two share a first hex digit, which is then an ambiguous prefix.
  while (new Set(tokens.map((k) => k[0])).size === tokens.length) {
    tokens.push((JSON.parse((await earshot(['create', '--name', `k${tokens.length}`, '--json'], env)).stdout) as { token: string }).token)
  }
  const digit = tokens.at(-1)?.[0] as string
  const ambiguous = await earshot(['revoke', digit], env)
  assert.equal(ambiguous.code, 1)
  assert.match(ambiguous.stderr, /matches \d+ keys; nothing was revoked/)
  assert.equal(JSON.parse((await earshot(['list', '--json'], env)).stdout).length, tokens.length, 'nothing revoked')

  const unknown = await earshot(['revoke', 'zzzzzzzz'], env)
  assert.equal(unknown.code, 1)
  assert.match(unknown.stderr, /No key starts with 'zzzzzzzz'/)

  for (const args of [['create'], ['create', '--name', 'x', '--expires', 'soon'], ['revoke'], ['frobnicate'], ['list', '--bogus']]) {
    const res = await earshot(args, env)
    assert.equal(res.code, 2, args.join(' '))
    assert.match(res.stderr, /Usage: earshot/)
  }
})

test('a bad configuration stops the CLI with every problem listed', async (t) => {
  const res = await earshot(['list'], { DATABASE_PATH: join(tempDir(t), 'k.db'), PORT: 'eighty', LOG_LEVEL: 'loud' })
  assert.equal(res.code, 1)
  assert.match(res.stderr, /PORT/)
  assert.match(res.stderr, /LOG_LEVEL/)
})

test('a key revoked by the CLI (its own database connection) is refused on the very next request', async (t) => {
  const { fetch, config } = await build(t)
  const env = { DATABASE_PATH: config.DATABASE_PATH }
  const token = (JSON.parse((await earshot(['create', '--name', 'shared', '--json'], env)).stdout) as { token: string }).token
  const headers = { authorization: `Token ${token}` }
  assert.equal((await fetch('/v1/auth/key', { headers })).status, 200)
  assert.equal((await earshot(['revoke', token.slice(0, 8)], env)).code, 0)
  assert.equal((await fetch('/v1/auth/key', { headers })).status, 401)
})

// The other tests call the CLI's entry point in this process; this one runs the real binary, as a user does: its
// working directory, its .env, the process environment and its exit codes.
test('the CLI reads .env in its working directory exactly as the server does', async (t) => {
  const dir = tempDir(t)
  // A relative path, as a user writes it: resolved against the working directory, like the server's.
  writeFileSync(join(dir, '.env'), 'DATABASE_PATH=from-dotenv/keys.db\n')
  const created = await runEarshot(['create', '--name', 'dotenv', '--json'], {}, { cwd: dir })
  assert.equal(created.code, 0, created.stderr)
  const token = (JSON.parse(created.stdout) as { token: string }).token
  assert.ok(existsSync(join(dir, 'from-dotenv', 'keys.db')), 'the key went to .env\'s DATABASE_PATH')
  assert.ok(!existsSync(join(dir, 'data')), 'not to the default data/earshot.db')

  // The server, configured from the same .env, sees the key.
  const { fetch } = await build(t, { DATABASE_PATH: join(dir, loadConfig(readEnvironment(join(dir, '.env'))).DATABASE_PATH) })
  assert.equal((await fetch('/v1/auth/key', { headers: { authorization: `Token ${token}` } })).status, 200)

  // The environment still wins over .env, for the CLI as for the server.
  const other = join(dir, 'env-wins.db')
  assert.equal((await runEarshot(['init'], { DATABASE_PATH: other }, { cwd: dir })).code, 0)
  assert.ok(existsSync(other))
  // A usage error is the process's exit code 2.
  const wrong = await runEarshot(['frobnicate'], {}, { cwd: dir })
  assert.equal(wrong.code, 2)
  assert.match(wrong.stderr, /Usage: earshot/)
})

test('create offers no --scopes (nothing enforces scopes yet): keys get the default scope; stored scopes still list', async (t) => {
  const env = { DATABASE_PATH: join(tempDir(t), 'keys.db') }
  const refused = await cli(['create', '--name', 'x', '--scopes', 'admin'], env)
  assert.equal(refused.code, 2)
  assert.match(refused.err, /Unknown option '--scopes'/)
  const help = await cli(['help'], env)
  assert.match(help.out, /create --name NAME/)
  assert.doesNotMatch(help.out, /scope/i)

  const created = await cli(['create', '--name', 'plain', '--json'], env)
  assert.equal(created.code, 0, created.err)
  assert.deepEqual((JSON.parse(created.out) as { scopes: string[] }).scopes, ['member'])

  // a key an earlier version stored with other scopes: listed as it is, and revocable (no migration needed)
  const repo = openSqliteKeyRepository(env.DATABASE_PATH)
  await repo.create({ name: 'old', prefix: 'abcd0000', hash: 'h'.repeat(64), scopes: ['member', 'admin'], createdAt: new Date().toISOString(), expiresAt: null })
  await repo.close()
  const listed = JSON.parse((await cli(['list', '--json'], env)).out) as Array<{ name: string, scopes: string[] }>
  assert.deepEqual(listed.map((k) => [k.name, k.scopes]).sort(), [['old', ['member', 'admin']], ['plain', ['member']]])
  assert.equal((await cli(['revoke', 'abcd0000'], env)).code, 0)
})
