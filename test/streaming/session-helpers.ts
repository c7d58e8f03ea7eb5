/** A real engine on the generated test model, and a sink that records what a session sends. */
import { dirname } from 'node:path'
import { after, type TestContext } from 'node:test'
import { Engine } from '../../src/engine/engine.ts'
import { planTranscription, type PlanRequest, type TranscriptionPlan } from '../../src/transcription/plan.ts'
import { DEFAULT_STREAM_LIMITS, type StreamLimits } from '../../src/streaming/constants.ts'
import type { LiveMessage, ResultsMessage } from '../../src/streaming/messages.ts'
import { LiveSession, type LiveSessionOptions, type LiveSink } from '../../src/streaming/session.ts'
import { testModel } from '../helpers/models.ts'
import { DEFAULT_VAD_SETTINGS, SileroVad } from '../../src/transcription/vad/index.ts'

// One Silero VAD for the test file, as the server has one for all its sessions (its worker starts on first use);
// closed after the file. Registered at load: `after` inside a test would close it after that test.
const vad = new SileroVad()
after(() => vad.close())
export const testVad = (): SileroVad => vad

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
  return { engine, plan: await planTranscription(engine, { audioCtx: 'auto', ...request }) }
}

export class RecordingSink implements LiveSink {
  readonly messages: LiveMessage[] = []
  closedWith: { code: number, reason: string } | undefined
  paused = false
  pauses = 0
  private listeners: Array<() => void> = []

  send (message: LiveMessage): void {
    this.messages.push(structuredClone(message))
    this.notify()
  }

  close (code: number, reason: string): void {
    this.closedWith = { code, reason }
    this.notify()
  }

  pause (): void {
    this.paused = true
    this.pauses++
    this.notify()
  }

  resume (): void {
    this.paused = false
    this.notify()
  }

  /** Resolves once `condition` holds (checked now and after every sink call). */
  async until (condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise<void>((resolve) => this.listeners.push(resolve))
  }

  async closed (): Promise<{ code: number, reason: string }> {
    await this.until(() => this.closedWith !== undefined)
    return this.closedWith as { code: number, reason: string }
  }

  get results (): ResultsMessage[] {
    return this.messages.filter((m): m is ResultsMessage => m.type === 'Results')
  }

  get types (): string[] {
    return this.messages.map((m) => m.type === 'Results' ? (m.is_final ? 'final' : 'interim') : m.type)
  }

  private notify (): void {
    for (const resolve of this.listeners.splice(0)) resolve()
  }
}

export interface SessionUnderTest { session: LiveSession, sink: RecordingSink }

export function startSession (engine: Engine, plan: TranscriptionPlan, options: Partial<LiveSessionOptions> = {},
  limits: Partial<StreamLimits> = {}): SessionUnderTest {
  const sink = new RecordingSink()
  const session = new LiveSession(engine, {
    requestId: 'test-request',
    plan,
    format: { encoding: 'linear16', sampleRate: 16000 },
    interimResults: false,
    diarize: false,
    endpointingMs: 10,
    vadEvents: false,
    vad: { detector: testVad(), settings: DEFAULT_VAD_SETTINGS },
    limits: { ...DEFAULT_STREAM_LIMITS, ...limits },
    ...options
  }, sink)
  return { session, sink }
}

/**
 * Sends bytes in 100 ms frames (16 kHz s16le) as a socket would deliver them: after each frame the event loop
 * turns (the session's handling of a raw frame completes within that turn), and while the session has asked the
 * sink to pause, nothing more arrives until it resumes.
 */
export async function stream (sut: SessionUnderTest, bytes: Uint8Array, frameBytes = 3200): Promise<void> {
  for (let off = 0; off < bytes.length; off += frameBytes) {
    await sut.sink.until(() => !sut.sink.paused)
    sut.session.receiveAudio(bytes.subarray(off, off + frameBytes))
    await new Promise((resolve) => setImmediate(resolve))
  }
}
