/** A Deepgram live session on a real engine, and a transport that records what it sends. */
import type { Engine } from '../../../../src/engine/engine.ts'
import { DEFAULT_LIVE_LIMITS, type LiveLimits } from '../../../../src/live/tuning.ts'
import type { LiveMessage, ResultsMessage } from '../../../../src/protocols/deepgram/live/messages.ts'
import {
  DeepgramLiveSession, type DeepgramLiveSessionOptions, type DeepgramLiveTransport
} from '../../../../src/protocols/deepgram/live/session.ts'
import type { TranscriptionPlan } from '../../../../src/transcription/plan.ts'
import { FlowRecorder } from '../../../helpers/flow-recorder.ts'
import { testVadOptions } from '../../../helpers/live-engine.ts'

export { testEngine, testVad } from '../../../helpers/live-engine.ts'

export class RecordingSink extends FlowRecorder implements DeepgramLiveTransport {
  readonly messages: LiveMessage[] = []
  closedWith: { code: number, reason: string } | undefined

  send (message: LiveMessage): void {
    this.messages.push(structuredClone(message))
    this.notify()
  }

  close (code: number, reason: string): void {
    this.closedWith = { code, reason }
    this.notify()
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
}

export interface SessionUnderTest { session: DeepgramLiveSession, sink: RecordingSink }

export function startSession (engine: Engine, plan: TranscriptionPlan, options: Partial<DeepgramLiveSessionOptions> = {},
  limits: Partial<LiveLimits> = {}): SessionUnderTest {
  const sink = new RecordingSink()
  const session = new DeepgramLiveSession(engine, {
    requestId: 'test-request',
    plan,
    format: { encoding: 'linear16', sampleRate: 16000 },
    interimResults: false,
    endpointingMs: 10,
    vadEvents: false,
    diarize: false,
    vad: testVadOptions(),
    limits: { ...DEFAULT_LIVE_LIMITS, ...limits },
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
