/** A plain `ws` client for Deepgram's live route: records every message and checks it against Deepgram's schema. */
import { readFileSync } from 'node:fs'
import type { IncomingHttpHeaders } from 'node:http'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import WebSocket from 'ws'
import type { TestApp } from './build.ts'

const schema = JSON.parse(readFileSync(new URL('../fixtures/deepgram/listen-v1-live-messages.schema.json', import.meta.url), 'utf8')) as {
  messages: Record<string, string>
  definitions: Record<string, object>
}
const ajv = new Ajv({ strict: false, allErrors: true })
addFormats.default(ajv)
ajv.addFormat('double', true)
const validators = Object.fromEntries(Object.entries(schema.messages).map(([type, name]) =>
  [type, ajv.compile({ $ref: `#/definitions/${name}`, definitions: schema.definitions })]))

/** The server messages as a client sees them (JSON). */
export interface Word { word: string, start: number, end: number, confidence: number, punctuated_word: string }
export interface Message {
  type: string
  is_final?: boolean
  speech_final?: boolean
  from_finalize?: boolean
  start?: number
  duration?: number
  channel?: { alternatives: Array<{ transcript: string, confidence: number, words: Word[] }> } | number[]
  metadata?: { request_id: string, model_uuid: string, model_info: { name: string } }
  request_id?: string
  sha256?: string
  last_word_end?: number
  timestamp?: number
  [key: string]: unknown
}

/** Where a message violates Deepgram's AsyncAPI schema, or undefined. */
export function schemaViolation (message: Message): string | undefined {
  const validate = validators[message.type]
  if (validate === undefined) return `unknown message type ${message.type}`
  return validate(message) ? undefined : ajv.errorsText(validate.errors)
}

export const wsUrl = (app: TestApp, query = ''): string => `${app.url.replace(/^http/, 'ws')}/v1/listen${query}`

export class LiveClient {
  readonly messages: Message[] = []
  /** Schema violations and non-JSON or binary frames: a test asserts this stays empty. */
  readonly problems: string[] = []
  readonly closed: Promise<{ code: number, reason: string }>
  private listeners: Array<() => void> = []

  readonly ws: WebSocket
  readonly upgradeHeaders: IncomingHttpHeaders
  constructor (ws: WebSocket, upgradeHeaders: IncomingHttpHeaders) {
    this.ws = ws
    this.upgradeHeaders = upgradeHeaders
    ws.on('message', (data, isBinary) => {
      if (isBinary) this.problems.push('binary frame from the server')
      try {
        const message = JSON.parse(String(data)) as Message
        const violation = schemaViolation(message)
        if (violation !== undefined) this.problems.push(`${message.type}: ${violation}`)
        this.messages.push(message)
      } catch {
        this.problems.push(`not JSON: ${String(data).slice(0, 80)}`)
      }
      this.notify()
    })
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.notify()
        resolve({ code, reason: String(reason) })
      })
    })
  }

  /** Resolves once `condition` holds (checked now and after every message). */
  async until (condition: () => boolean): Promise<void> {
    while (!condition()) {
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`socket closed while waiting; got ${this.types().join()}`)
      await new Promise<void>((resolve) => this.listeners.push(resolve))
    }
  }

  results (): Message[] { return this.messages.filter((m) => m.type === 'Results') }
  finals (): Message[] { return this.results().filter((m) => m.is_final === true) }
  types (): string[] { return this.messages.map((m) => m.type === 'Results' ? (m.is_final === true ? 'final' : 'interim') : m.type) }

  /** Sends bytes as `chunkBytes` frames, letting the socket drain between them (fast, but in order and paced by TCP). */
  async sendAudio (bytes: Uint8Array, chunkBytes = 3200): Promise<void> {
    for (let off = 0; off < bytes.length; off += chunkBytes) {
      await new Promise<void>((resolve, reject) => this.ws.send(bytes.subarray(off, off + chunkBytes), (err) => err ? reject(err) : resolve()))
    }
  }

  /**
   * Sends `audio` over and over in `frameBytes` frames as fast as the connection takes them (many times real time),
   * keeping up to 1 MiB queued so only TCP paces it, until the socket closes.
   */
  sendFast (audio: Uint8Array, frameBytes = 16_000): void {
    let at = 0
    const topUp = (): void => {
      while (this.ws.readyState === WebSocket.OPEN && this.ws.bufferedAmount < 1024 * 1024) {
        const frame = Buffer.alloc(frameBytes)
        for (let filled = 0; filled < frameBytes;) {
          const n = Math.min(audio.length - at, frameBytes - filled)
          frame.set(audio.subarray(at, at + n), filled)
          filled += n
          at = (at + n) % audio.length
        }
        this.ws.send(frame, (err) => { if (err == null) topUp() })
      }
    }
    topUp()
  }

  sendJson (message: unknown): void { this.ws.send(JSON.stringify(message)) }

  private notify (): void {
    for (const resolve of this.listeners.splice(0)) resolve()
  }
}

export interface ConnectOptions { headers?: Record<string, string>, protocols?: string[] }

/** Opens a live session; rejects with the HTTP status when the upgrade is refused. */
export async function connect (app: TestApp, query: string, options: ConnectOptions = {}): Promise<LiveClient> {
  const ws = new WebSocket(wsUrl(app, query), options.protocols ?? [], { headers: options.headers ?? {} })
  return await new Promise((resolve, reject) => {
    let headers: IncomingHttpHeaders = {}
    ws.once('upgrade', (res) => { headers = res.headers })
    ws.once('open', () => resolve(new LiveClient(ws, headers)))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)))
    ws.once('error', reject)
  })
}

export interface Refusal { status: number, headers: IncomingHttpHeaders, body: { err_code: string, err_msg: string, request_id: string } }

/** Attempts an upgrade that must be refused, and returns the plain HTTP answer. */
export async function refusal (app: TestApp, query: string, options: ConnectOptions = {}): Promise<Refusal> {
  const ws = new WebSocket(wsUrl(app, query), options.protocols ?? [], { headers: options.headers ?? {} })
  ws.on('error', () => {}) // the refused handshake also reports an error; the response is what matters
  return await new Promise((resolve, reject) => {
    ws.once('open', () => { ws.terminate(); reject(new Error('the upgrade was accepted')) })
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (d: Buffer) => { body += String(d) })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(body) as Refusal['body'] }))
    })
  })
}
