import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Outbox } from '../../src/live/outbox.ts'

/** A promise and the function that settles it, so a test decides the order decodes finish in. */
function later<T> (): { promise: Promise<T>, resolve: (v: T) => void, reject: (e: unknown) => void } {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((_resolve, _reject) => { resolve = _resolve; reject = _reject })
  return { promise, resolve, reject }
}

test('items are delivered in the order scheduled, whatever order their work finishes in', async () => {
  const delivered: string[] = []
  const errors: unknown[] = []
  const outbox = new Outbox<string>((item) => delivered.push(item), (err) => errors.push(err))
  const [a, b, c, d] = [later<string>(), later<string>(), later<string>(), later<string>()]
  outbox.add(a.promise, (v) => `first ${v}`)
  outbox.add(b.promise, (v) => `second ${v}`) // its work fails: reported, the rest goes on
  outbox.add(c.promise, () => undefined) // builds nothing: dropped
  outbox.add(d.promise, (v) => `fourth ${v}`)
  assert.equal(outbox.pending, 4)
  d.resolve('d')
  c.resolve('c')
  b.reject(new Error('decode failed'))
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(delivered, [], 'nothing overtakes the first item')
  a.resolve('a')
  await outbox.drained()
  assert.deepEqual(delivered, ['first a', 'fourth d'])
  assert.deepEqual(errors.map((e) => (e as Error).message), ['decode failed'])
  assert.equal(outbox.pending, 0)
})
