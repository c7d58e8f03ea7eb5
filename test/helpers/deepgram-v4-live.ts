/**
 * One live session through the unmodified Deepgram JS SDK v4 (`createClient(key).listen.live`), recorded as the
 * client sees it. Shared by the in-process test (ws package) and the child process started with Node's own
 * WebSocket (test/helpers/deepgram-v4-live-main.ts): v4 picks its transport when it loads, from `typeof WebSocket`.
 */
import WS from 'ws'
import { createClient, LiveTranscriptionEvents, type LiveSchema } from '@deepgram/sdk-v4'

export interface V4LiveRun {
  /** Which WebSocket the SDK opened: the `ws` package, the platform's global WebSocket, or something else. */
  transport: 'ws' | 'platform' | 'other'
  /** The subprotocol the server chose: `token` when the key travelled in Sec-WebSocket-Protocol, '' with a header */
  protocol: string
  messages: Array<{ type: string, [key: string]: unknown }>
  errors: string[]
  closeCode: number
}

export interface V4LiveOptions {
  url: string
  key: string
  query: LiveSchema
  /** linear16 audio, sent in 0.1 s frames once the socket opens */
  audio: Buffer
  /** v4's custom transport (`global.websocket.client`); unset, the SDK chooses */
  client?: unknown
}

export async function runV4Live ({ url, key, query, audio, client }: V4LiveOptions): Promise<V4LiveRun> {
  const deepgram = createClient(key, { global: { url, ...(client !== undefined ? { websocket: { client: client as typeof WebSocket } } : {}) } })
  const live = deepgram.listen.live(query)
  const run: V4LiveRun = { transport: 'other', protocol: '', messages: [], errors: [], closeCode: 0 }
  const record = (message: { type: string }): void => {
    run.messages.push(message)
    // the lenient protocol's promise: an utterance ends with UtteranceEnd, and then the client finishes
    if (message.type === 'UtteranceEnd') live.requestClose()
  }
  for (const event of [LiveTranscriptionEvents.Transcript, LiveTranscriptionEvents.Metadata, LiveTranscriptionEvents.UtteranceEnd,
    LiveTranscriptionEvents.SpeechStarted, LiveTranscriptionEvents.Unhandled]) {
    live.on(event, record)
  }
  live.on(LiveTranscriptionEvents.Error, (err: { message?: string }) => run.errors.push(String(err.message ?? err)))
  live.on(LiveTranscriptionEvents.Open, () => {
    const platform = (globalThis as { WebSocket?: new (...args: never[]) => unknown }).WebSocket
    run.transport = live.conn instanceof WS ? 'ws' : platform !== undefined && live.conn instanceof platform ? 'platform' : 'other'
    run.protocol = (live.conn as { protocol?: string } | null)?.protocol ?? ''
    // what v4 integrations send besides audio: Configure (not in Deepgram's current spec) and KeepAlive
    live.configure({ numerals: true })
    live.keepAlive()
    // Buffers, as v4's own examples send them (its types say ArrayBuffer; both transports take either)
    for (let off = 0; off < audio.length; off += 3200) live.send(audio.subarray(off, off + 3200) as unknown as ArrayBuffer)
  })
  run.closeCode = await new Promise<number>((resolve) => live.on(LiveTranscriptionEvents.Close, (event: { code: number }) => resolve(event.code)))
  return run
}
