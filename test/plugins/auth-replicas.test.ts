// Two real server processes on one PostgreSQL database, keys managed by the real CLI: what a load balancer in
// front of several replicas relies on.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { earshot } from '../helpers/cli.ts'
import { tempDir, testEnv } from '../helpers/build.ts'
import { postgresForFile } from '../helpers/postgres.ts'
import { createKeyWithCli, expectDeepgramError, expectRateLimited, startReplicas } from '../helpers/replicas.ts'

const postgres = postgresForFile({ pausable: true })

test('two replicas on one PostgreSQL: CLI keys, revocation, shared limits, an outage', async (t) => {
  const cluster = postgres()
  const env = testEnv(tempDir(t), {
    DATABASE_URL: await cluster.createDatabase(),
    RATE_LIMIT_MAX: '4',
    RATE_LIMIT_WINDOW: '60s',
    AUTH_FAILURE_LIMIT_MAX: '3',
    AUTH_FAILURE_LIMIT_WINDOW: '60s',
    // Each scenario below speaks from its own client address, so one's failures do not spend another's budget.
    TRUST_PROXY: 'true'
  })
  // Started together: both migrate the empty database at once.
  const [a, b] = await startReplicas(t, env)
  const from = (address: string, token?: string): Record<string, string> =>
    ({ 'x-forwarded-for': address, ...(token === undefined ? {} : { authorization: `Token ${token}` }) })
  const createKey = (name: string): Promise<string> => createKeyWithCli(env, name)

  await t.test('a key created with the CLI works on both; revoked with the CLI, both refuse the next request', async () => {
    for (let round = 0; round < 3; round++) {
      const token = await createKey(`round-${round}`)
      for (const replica of [a, b, a, b]) {
        const res = await replica.get('/v1/auth/key', from(`198.51.100.${round}`, token))
        assert.equal(res.status, 200)
        assert.equal((await res.json() as { name: string }).name, `round-${round}`)
      }
      const revoked = await earshot(['revoke', token.slice(0, 8)], env)
      assert.equal(revoked.code, 0, revoked.stderr)
      assert.equal(revoked.stderr, '', 'both replicas confirmed')
      for (const replica of [b, a]) {
        await expectDeepgramError(await replica.get('/v1/auth/key', from(`198.51.100.${round}`, token)), 401, 'INVALID_AUTH')
      }
    }
    const listed = await earshot(['list', '--all', '--json'], env)
    assert.deepEqual((JSON.parse(listed.stdout) as Array<{ status: string }>).map((k) => k.status), ['revoked', 'revoked', 'revoked'])
  })

  await t.test('RATE_LIMIT_MAX is one budget across the replicas, with the same 429', async () => {
    const token = await createKey('limited')
    for (const replica of [a, b, a, b]) assert.equal((await replica.get('/v1/auth/key', from('203.0.113.1', token))).status, 200)
    for (const replica of [a, b]) await expectRateLimited(await replica.get('/v1/auth/key', from('203.0.113.1', token)), 4)
  })

  await t.test('failed authentications are one budget per address across the replicas; valid keys still pass', async () => {
    const token = await createKey('neighbour')
    const wrong = 'f'.repeat(64)
    for (const replica of [a, b, a]) await expectDeepgramError(await replica.get('/v1/auth/key', from('203.0.113.2', wrong)), 401, 'INVALID_AUTH')
    for (const replica of [b, a]) await expectDeepgramError(await replica.get('/v1/auth/key', from('203.0.113.2', wrong)), 429, 'RATE_LIMIT_EXCEEDED')
    for (const replica of [a, b]) assert.equal((await replica.get('/v1/auth/key', from('203.0.113.2', token))).status, 200)
  })

  await t.test('PostgreSQL stopped: a clean 503 in Deepgram\'s shape, the replicas stay up and recover', async () => {
    const token = await createKey('outage')
    await cluster.pause()
    await Promise.all([a, b].map((r) => r.server.waitFor(/key change listener lost its connection/)))
    for (const replica of [a, b]) {
      const res = await replica.get('/v1/auth/key', from('203.0.113.3', token))
      await expectDeepgramError(res, 503, 'DATABASE_UNAVAILABLE')
      assert.equal(res.headers.get('retry-after'), '1')
      const health = await replica.get('/health')
      assert.equal(health.status, 503)
      assert.match((await health.json() as { checks: { database: string } }).checks.database, /^failed/)
    }
    await cluster.resume()
    await Promise.all([a, b].map((r) => r.server.waitFor(/key change listener reconnected/)))
    for (const replica of [a, b]) {
      assert.equal(replica.server.child.exitCode, null)
      assert.equal((await replica.get('/v1/auth/key', from('203.0.113.3', token))).status, 200)
      assert.equal((await replica.get('/health')).status, 200)
    }
  })
})
