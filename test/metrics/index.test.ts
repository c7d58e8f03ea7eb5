// src/metrics without Fastify, as `earshot worker` or the CLI would use it: fed by a real engine on a generated model.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Engine } from '../../src/engine/engine.ts'
import { Metrics } from '../../src/metrics/index.ts'
import { tempDir } from '../helpers/build.ts'
import { installTestModel, testAudio } from '../helpers/models.ts'
import { Scrape } from '../helpers/prometheus.ts'

test('an engine observed by Metrics: one decode gives one queue wait, its audio seconds and its real-time factor', async (t) => {
  const dir = tempDir(t)
  installTestModel(dir, 'small-test')
  const engine = new Engine({ modelsDir: dir, defaultModel: 'small-test', concurrency: 1, threads: 1, queueMax: 4, maxLoadedModels: 1, defaultAudioCtx: 'auto' })
  t.after(() => engine.close())
  const metrics = new Metrics()
  metrics.watchEngine(() => engine.stats())
  const stop = engine.observe(metrics.engineObserver())

  await engine.transcribe(testAudio(3), { model: await engine.models.describeModel(), priority: 'high' })
  const s = new Scrape(await metrics.text())
  assert.equal(s.histogram('earshot_queue_wait_seconds', { priority: 'high' }).count, 1)
  const decode = s.histogram('earshot_decode_seconds', { model: 'small-test' })
  assert.equal(decode.count, 1)
  assert.equal(s.value('earshot_decoded_audio_seconds_total', { model: 'small-test' }), 3)
  const rtf = s.histogram('earshot_real_time_factor', { model: 'small-test' })
  assert.equal(rtf.count, 1)
  assert.ok(Math.abs(rtf.sum - decode.sum / 3) < 1e-9)
  assert.equal(s.value('earshot_models_loaded'), 1)

  // removed observers see nothing more; empty audio never reaches the decoder
  stop()
  await engine.transcribe(testAudio(1), { model: await engine.models.describeModel() })
  await engine.transcribe(new Float32Array(0), { model: await engine.models.describeModel() })
  assert.equal(new Scrape(await metrics.text()).histogram('earshot_decode_seconds', { model: 'small-test' }).count, 1)
})

test('instances count alone, and a live session ends once however often its end is reported', async () => {
  const a = new Metrics()
  const b = new Metrics()
  const end = a.liveSessionOpened()
  a.liveSessionOpened()
  end()
  end()
  const [sa, sb] = [new Scrape(await a.text()), new Scrape(await b.text())]
  assert.equal(sa.value('earshot_live_sessions'), 1)
  assert.equal(sa.value('earshot_live_sessions_opened_total'), 2)
  assert.equal(sb.value('earshot_live_sessions'), 0)
  // no engine watched: the engine gauges read 0 rather than disappearing
  assert.equal(sb.value('earshot_queue_waiting'), 0)
  assert.ok(sb.value('process_resident_memory_bytes') > 0, 'process defaults in every instance')
})

test('job counts: pushed with setJobCounts, or pulled at each scrape with collectJobCounts (the source wins)', async () => {
  const m = new Metrics()
  const zero = new Scrape(await m.text())
  assert.deepEqual(zero.series('earshot_jobs').map((s) => [s.labels.state, s.value]),
    [['queued', 0], ['running', 0], ['done', 0], ['failed', 0]])
  m.setJobCounts({ queued: 3, running: 1 })
  const pushed = new Scrape(await m.text())
  assert.equal(pushed.value('earshot_jobs', { state: 'queued' }), 3)
  assert.equal(pushed.value('earshot_jobs', { state: 'running' }), 1)
  let calls = 0
  m.collectJobCounts(async () => ({ done: ++calls * 10, failed: 2 }))
  const pulled = new Scrape(await m.text())
  assert.equal(pulled.value('earshot_jobs', { state: 'done' }), 10)
  assert.equal(pulled.value('earshot_jobs', { state: 'queued' }), 0, 'the source wins over pushed counts')
  assert.equal(new Scrape(await m.text()).value('earshot_jobs', { state: 'done' }), 20, 'read again at each scrape')
})

test('a failing job-count source fails the scrape instead of reporting stale counts', async () => {
  const m = new Metrics()
  m.setJobCounts({ queued: 5 })
  m.collectJobCounts(() => { throw new Error('database unreachable') })
  await assert.rejects(m.text(), /database unreachable/)
})
