/** The narrow interface the HTTP and streaming layers use; nothing outside src/engine knows smart-whisper. */

export interface TranscribeOptions {
  /** ISO-639-1 code, or undefined for the model's default ('en' for .en models). */
  language?: string
  /** Let whisper detect the language; the result reports it with a probability. */
  detectLanguage?: boolean
  /** Initial prompt (keyterms / keywords). */
  prompt?: string
  /** Encoder context in frames (50 per second of audio); 0/undefined = the full 30 s window. */
  audioCtx?: number
  /** Queue priority: streaming finals use 'high', interims 'low' (droppable). */
  priority?: 'high' | 'normal' | 'low'
  /** Aborted before its turn: the job is dropped from the queue and the promise rejects. */
  signal?: AbortSignal
}

export interface TranscribedToken {
  text: string
  /** seconds from the start of the given PCM */
  start: number
  end: number
  probability: number
}

export interface TranscribedSegment {
  text: string
  start: number
  end: number
  tokens: TranscribedToken[]
}

export interface TranscribeResult {
  segments: TranscribedSegment[]
  language: string
  languageProbability?: number
}

export interface ModelDescription {
  name: string
  path: string
  sizeBytes: number
  loaded: boolean
  /** Stable uuid derived from the file (name + size + mtime), reported as Deepgram's model uuid. */
  uuid: string
}

/** What the routes and streaming sessions call. Implemented by src/engine/engine.ts over smart-whisper. */
export interface Transcriber {
  /** Installed and resident models. */
  listModels(): Promise<ModelDescription[]>
  /**
   * Transcribe 16 kHz mono Float32 PCM with the named model (default model when omitted). Waits its turn in the
   * bounded queue; throws AppError SERVER_BUSY (503) when the queue is full, 400 for an unknown model.
   */
  transcribe(pcm: Float32Array, options?: TranscribeOptions & { model?: string }): Promise<TranscribeResult & { model: ModelDescription }>
  /** Load the default model; resolves when it is resident (the health check waits on this). */
  ready(): Promise<void>
  isReady(): boolean
  close(): Promise<void>
}
