// The queue on its own, with jobs the test finishes by hand (no binding, no timers).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AppError } from '../../src/errors.ts'
import { AbortError, JobQueue } from '../../src/engine/queue.ts'

function gate<T = string> () {
  let open!: (v: T) => void
  const p = new Promise<T>((resolve) => { open = resolve })
  return { p, open }
}

const isBusy = (err: unknown): boolean => err instanceof AppError && err.statusCode === 503 && err.code === 'SERVER_BUSY' &&
  Number(err.headers['Retry-After']) >= 1

test('runs `concurrency` jobs at once, queues up to maxWaiting, refuses the rest with SERVER_BUSY', async () => {
  const q = new JobQueue({ concurrency: 1, maxWaiting: 1 })
  const g1 = gate(); const g2 = gate()
  const started: string[] = []
  const a = q.run(async () => { started.push('a'); return await g1.p })
  const b = q.run(async () => { started.push('b'); return await g2.p })
  await assert.rejects(q.run(async () => 'c'), isBusy)
  assert.deepEqual(q.stats(), { running: 1, waiting: 1, concurrency: 1, maxWaiting: 1 })
  assert.deepEqual(started, ['a'])
  g1.open('A')
  assert.equal(await a, 'A')
  g2.open('B')
  assert.equal(await b, 'B')
  assert.deepEqual(started, ['a', 'b'])
  await q.onIdle()
})

test('high runs before normal before low; FIFO within a priority', async () => {
  const q = new JobQueue({ concurrency: 1, maxWaiting: 10 })
  const g = gate()
  const order: string[] = []
  const job = (name: string) => async () => { order.push(name) }
  const first = q.run(async () => { await g.p })
  const all = [
    q.run(job('low1'), { priority: 'low' }), q.run(job('n1')), q.run(job('high1'), { priority: 'high' }),
    q.run(job('n2'), { priority: 'normal' }), q.run(job('high2'), { priority: 'high' })
  ]
  g.open('')
  await Promise.all([first, ...all])
  assert.deepEqual(order, ['high1', 'high2', 'n1', 'n2', 'low1'])
})

test('a full queue drops a waiting low job for a normal/high one; low jobs are refused when full', async () => {
  const q = new JobQueue({ concurrency: 1, maxWaiting: 2 })
  const g = gate()
  const running = q.run(async () => { await g.p })
  const low = q.run(async () => 'low', { priority: 'low' })
  const normal = q.run(async () => 'normal')
  await assert.rejects(q.run(async () => 'low2', { priority: 'low' }), isBusy)
  const high = q.run(async () => 'high', { priority: 'high' }) // pushes out `low`
  await assert.rejects(low, isBusy)
  await assert.rejects(q.run(async () => 'x', { priority: 'high' }), isBusy) // no low job left to drop
  g.open('')
  await running
  assert.equal(await high, 'high')
  assert.equal(await normal, 'normal')
})

test('a job aborted before its turn leaves the queue and rejects with AbortError', async () => {
  const q = new JobQueue({ concurrency: 1, maxWaiting: 5 })
  const g = gate()
  const running = q.run(async () => await g.p)
  const ctrl = new AbortController()
  let ran = false
  const waiting = q.run(async () => { ran = true }, { signal: ctrl.signal })
  assert.equal(q.stats().waiting, 1)
  ctrl.abort(new Error('client went away'))
  await assert.rejects(waiting, (err: unknown) => err instanceof AbortError && err.name === 'AbortError' &&
    (err.cause as Error).message === 'client went away')
  assert.equal(q.stats().waiting, 0)
  g.open('done')
  assert.equal(await running, 'done')
  await q.onIdle()
  assert.equal(ran, false)
  // already aborted: refused without queueing
  await assert.rejects(q.run(async () => 1, { signal: AbortSignal.abort() }), { name: 'AbortError' })
})

test('abort after the job started does not affect it', async () => {
  const q = new JobQueue({ concurrency: 1, maxWaiting: 0 })
  const ctrl = new AbortController()
  const g = gate()
  const p = q.run(async () => await g.p, { signal: ctrl.signal })
  ctrl.abort()
  g.open('finished')
  assert.equal(await p, 'finished')
})

test('a throwing job rejects only its own promise and frees its slot', async () => {
  const q = new JobQueue({ concurrency: 1, maxWaiting: 1 })
  await assert.rejects(q.run(async () => { throw new Error('boom') }), /boom/)
  assert.equal(await q.run(async () => 'next'), 'next')
})

test('close rejects waiting jobs, lets the running one finish, refuses new ones', async () => {
  const q = new JobQueue({ concurrency: 1, maxWaiting: 3 })
  const g = gate()
  const running = q.run(async () => await g.p)
  const waiting = q.run(async () => 'never')
  const reason = new AppError(503, 'SERVER_SHUTTING_DOWN', 'bye')
  q.close(reason)
  await assert.rejects(waiting, (err) => err === reason)
  await assert.rejects(q.run(async () => 1), (err) => err === reason)
  g.open('ok')
  assert.equal(await running, 'ok')
  await q.onIdle()
})

test('admits() answers what run() would do now, per priority, at every step of a queue filling up', async () => {
  const q = new JobQueue({ concurrency: 1, maxWaiting: 2 })
  const all = ['high', 'normal', 'low'] as const
  /** admits() for each priority; each state is then checked against what run() really does. */
  const probe = (): Record<string, boolean> => Object.fromEntries(all.map((p) => [p, q.admits(p)]))
  const g = gate()
  assert.deepEqual(probe(), { high: true, normal: true, low: true }, 'idle: anything starts')
  const running = q.run(async () => { await g.p })
  assert.deepEqual(probe(), { high: true, normal: true, low: true }, 'running, room to wait')
  const low = q.run(async () => 'low', { priority: 'low' })
  const normal = q.run(async () => 'normal')
  assert.deepEqual(probe(), { high: true, normal: true, low: false }, 'full, a low job to push out')
  await assert.rejects(q.run(async () => 'x', { priority: 'low' }), isBusy) // as admits('low') said
  const high = q.run(async () => 'high', { priority: 'high' }) // as admits('high') said: pushes out `low`
  await assert.rejects(low, isBusy)
  assert.deepEqual(probe(), { high: false, normal: false, low: false }, 'full of jobs that cannot be pushed out')
  await assert.rejects(q.run(async () => 'x'), isBusy)
  g.open('')
  await Promise.all([running, normal, high])
  await q.onIdle()
  assert.deepEqual(probe(), { high: true, normal: true, low: true }, 'drained')
  q.close(new Error('closed'))
  assert.equal(q.admits(), true, 'closed: run() rejects with the close reason, not SERVER_BUSY')
})
