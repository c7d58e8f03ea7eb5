// A Deepgram callback job's body (src/protocols/deepgram/callback.ts), from a job as the current server queues it
// and from one queued by the version before (reply options in plan.structure, the echo in `response`): pg-boss keeps
// jobs across an upgrade, and such a job must still deliver what was asked.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { deepgramCallbackBody } from '../../../src/protocols/deepgram/callback.ts'
import { jobRunnerOptions } from '../../../src/jobs/index.ts'
import type { JobSpec } from '../../../src/jobs/spec.ts'
import { planTranscription } from '../../../src/transcription/plan.ts'
import { build } from '../../helpers/build.ts'

const speech = readFileSync(new URL('../../fixtures/audio/jfk-16k-s16.wav', import.meta.url))

interface Delivered { metadata: { request_id: string, tags?: string[] }, results: { utterances?: Array<{ speaker?: number }>, channels: Array<{ alternatives: Array<{ paragraphs?: unknown, words: Array<{ speaker?: number }> }> }> } }

test('a job from this version and one from the version before deliver the same reply options', async (t) => {
  const app = await build(t)
  const plan = await planTranscription(app.app.engine.models, { model: undefined, vad: false }, app.app.vad.planDefaults)
  const options = jobRunnerOptions(app.config, app.app.engine, app.app.vad.detector, app.app.log)
  const base = { requestId: 'job-1', audio: { contentType: 'audio/wav' }, callback: { url: 'http://127.0.0.1:9/hook', method: 'POST' as const }, submittedAt: new Date().toISOString() }
  const current: JobSpec = { ...base, plan, reply: { utterances: true, uttSplit: 0.8, paragraphs: true, diarize: true, tags: ['t1'] } }
  const { multichannel, ...rest } = plan
  const legacy = {
    ...base,
    plan: { ...rest, promptTokens: undefined, notes: undefined, prompt: 'kalo, mine', structure: { utterances: true, uttSplit: 0.8, paragraphs: true, diarize: true, multichannel } },
    response: { tags: ['t1'] }
  } as unknown as JobSpec
  for (const [name, spec] of [['current', current], ['legacy', legacy]] as const) {
    const body = await deepgramCallbackBody(spec, speech, options, false) as Delivered
    assert.equal(body.metadata.request_id, 'job-1', name)
    assert.deepEqual(body.metadata.tags, ['t1'], name)
    assert.ok(Array.isArray(body.results.utterances) && body.results.utterances.every((u) => u.speaker === 0), name)
    const alternative = body.results.channels[0]?.alternatives[0]
    assert.ok(alternative?.paragraphs !== undefined, `${name}: paragraphs`)
    assert.ok(alternative.words.length > 0 && alternative.words.every((w) => w.speaker === 0), `${name}: diarize`)
  }
})
