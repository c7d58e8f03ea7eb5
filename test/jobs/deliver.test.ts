import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Resolver } from '../../src/audio/address-policy.ts'
import { deliverCallback } from '../../src/jobs/deliver.ts'
import { startReceiver } from '../helpers/callback-receiver.ts'

const warnings: unknown[] = []
const logger = { info () {}, warn (obj: unknown) { warnings.push(obj) }, error () {} }
const body = { metadata: { request_id: 'r-1' } }

test('a host name resolving to a private address is refused at delivery, without retries', async (t) => {
  const receiver = await startReceiver(t)
  const port = new URL(receiver.url).port
  // the callback's name points at the receiver on loopback: the guard must see through the name
  let lookups = 0
  const resolve: Resolver = (_host, _opts, callback) => { lookups++; callback(null, [{ address: '127.0.0.1', family: 4 }]) }
  await assert.rejects(
    deliverCallback({ url: `http://hook.example:${port}/hook`, method: 'POST', requestId: 'r-1', body },
      { attempts: 5, retryDelayMs: 1, timeoutMs: 5000, allowPrivate: false, resolve, logger }),
    /refusing the callback: hook\.example resolves to 127\.0\.0\.1/)
  assert.equal(receiver.received.length, 0)
  assert.equal(lookups, 1, 'one attempt: another cannot succeed')
})

test('a refused connection is retried up to the attempt limit', async (t) => {
  const receiver = await startReceiver(t)
  const url = receiver.url
  await receiver.close() // nothing listens there any more
  warnings.length = 0
  await assert.rejects(
    deliverCallback({ url, method: 'POST', requestId: 'r-1', body }, { attempts: 3, retryDelayMs: 1, timeoutMs: 5000, allowPrivate: true, logger }),
    /ECONNREFUSED/)
  assert.equal(warnings.length, 3)
})
