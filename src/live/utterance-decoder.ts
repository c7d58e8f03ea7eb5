/**
 * Utterance audio -> formatted words (the pipeline's ChannelTranscript), through the shared engine queue.
 *
 * Only the utterance is decoded, with an encoder context sized to it (audio_ctx 'auto' unless the client chose):
 * whisper otherwise encodes a full 30 s window per decode (~1.6 s here), which no live latency survives.
 * Finals run at 'high' priority and are retried while the queue is full: a final is never dropped. Interims run
 * at 'low' priority: the queue refuses them first under load, and the session simply skips that interim.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { AppError } from '../errors.ts'
import type { ModelDescription, Transcriber } from '../engine/types.ts'
import type { TranscriptionPlan } from '../transcription/plan.ts'
import { transcribe, type ChannelTranscript } from '../transcription/transcribe.ts'
import type { Utterance } from './segmenter.ts'
import { FINAL_RETRY_MAX_DELAY_MS } from './tuning.ts'

export interface DecodedUtterance {
  /** Formatted words and transcript, times in stream seconds. */
  transcript: ChannelTranscript
  model: ModelDescription
}

const isBusy = (err: unknown): boolean => err instanceof AppError && err.code === 'SERVER_BUSY'

export class UtteranceDecoder {
  private readonly transcriber: Transcriber
  private readonly plan: TranscriptionPlan
  private readonly session: AbortSignal
  constructor (
    transcriber: Transcriber,
    plan: TranscriptionPlan,
    /** The session's lifetime: aborting it drops every queued decode of the session. */
    session: AbortSignal
  ) {
    this.transcriber = transcriber
    this.plan = plan
    this.session = session
  }

  async final (utterance: Utterance): Promise<DecodedUtterance> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.run(utterance, 'high', this.session)
      } catch (err) {
        if (!isBusy(err)) throw err
        // A full queue means other sessions' finals are ahead: wait our turn rather than lose this one.
        await sleep(Math.min(FINAL_RETRY_MAX_DELAY_MS, 50 * 2 ** attempt), undefined, { signal: this.session })
      }
    }
  }

  /** Undefined when the queue refused or dropped it (load, or `signal` aborted while it waited). */
  async interim (utterance: Utterance, signal: AbortSignal): Promise<DecodedUtterance | undefined> {
    try {
      return await this.run(utterance, 'low', AbortSignal.any([this.session, signal]))
    } catch (err) {
      if (isBusy(err) || (err as Error).name === 'AbortError') return undefined
      throw err
    }
  }

  private async run (utterance: Utterance, priority: 'high' | 'low', signal: AbortSignal): Promise<DecodedUtterance> {
    const result = await transcribe(this.transcriber, { pcm: [utterance.audio] }, this.plan, { priority, signal, offset: utterance.start })
    return { transcript: result.channels[0] as ChannelTranscript, model: result.model }
  }
}
