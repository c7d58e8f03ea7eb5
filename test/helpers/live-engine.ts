/** A real engine on the generated test model and the process's Silero VAD, for tests that drive a live session. */
import { dirname } from 'node:path'
import { after, type TestContext } from 'node:test'
import { Engine } from '../../src/engine/engine.ts'
import { planTranscription, type PlanRequest, type TranscriptionPlan } from '../../src/transcription/plan.ts'
import { DEFAULT_VAD_SETTINGS, SileroVad } from '../../src/transcription/vad/index.ts'
import { testModel } from './models.ts'

// One Silero VAD for the test file, as the server has one for all its sessions (its worker starts on first use);
// closed after the file. Registered at load: `after` inside a test would close it after that test.
const vad = new SileroVad()
after(() => vad.close())
export const testVad = (): SileroVad => vad
export const testVadOptions = (): { detector: SileroVad, settings: typeof DEFAULT_VAD_SETTINGS } => ({ detector: vad, settings: DEFAULT_VAD_SETTINGS })

/**
 * One whisper thread: with two, ggml's spinning thread barrier turns a 40 ms decode into seconds whenever another
 * process competes for the two cores (parallel test files, a benchmark); the protocol under test is the same.
 */
export async function testEngine (t: TestContext, concurrency = 1, request: PlanRequest = {}): Promise<{ engine: Engine, plan: TranscriptionPlan }> {
  const path = testModel('small-test')
  const engine = new Engine({
    modelsDir: dirname(path), defaultModel: 'small-test', concurrency, threads: 1, queueMax: 16, maxLoadedModels: 1, defaultAudioCtx: 'auto'
  })
  t.after(() => engine.close())
  // Both loaded before the session starts, as in the server (the model at start, the VAD before the upgrade):
  // a cold load under a loaded machine would otherwise race the session's wall-clock silence fill.
  await Promise.all([engine.ready(), vad.ready()])
  return { engine, plan: await planTranscription(engine.models, { audioCtx: 'auto', ...request }) }
}
