// One live client for bench/streaming.ts: streams 16 kHz s16 samples as linear16 frames on an absolute schedule
// (no drift at 1x real time) and times the messages that come back.
import { setTimeout as sleep } from 'node:timers/promises'
import WebSocket from 'ws'

export interface StreamOptions {
  /** ws://…/v1/listen?encoding=linear16&sample_rate=16000&… */
  url: string
  token: string
  samples: Int16Array
  chunkMs: number
  /** false: as fast as the socket drains (warm-up) */
  realtime: boolean
}

export interface StreamReport {
  /** ms from sending the frame holding a final's last audio (start + duration) to the final's arrival */
  finalLatencies: number[]
  /** ms between consecutive interim Results of one utterance */
  interimIntervals: number[]
  interims: number
  /** seconds of audio the finals cover */
  finalSeconds: number
}

interface Results { type: string, is_final?: boolean, start: number, duration: number }

export async function streamProgram (options: StreamOptions): Promise<StreamReport> {
  const frameSamples = Math.round(16000 * options.chunkMs / 1000)
  const ws = new WebSocket(options.url, { headers: { authorization: `Token ${options.token}` } })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)))
  })

  const sentAt: number[] = []
  const report: StreamReport = { finalLatencies: [], interimIntervals: [], interims: 0, finalSeconds: 0 }
  const lastInterim = new Map<number, number>()
  ws.on('message', (data) => {
    const now = performance.now()
    const m = JSON.parse(String(data)) as Results
    if (m.type !== 'Results') return
    if (m.is_final === true) {
      const lastFrame = Math.max(0, Math.ceil(Math.round((m.start + m.duration) * 16000) / frameSamples) - 1)
      const sent = sentAt[Math.min(lastFrame, sentAt.length - 1)]
      if (sent !== undefined) report.finalLatencies.push(now - sent)
      report.finalSeconds += m.duration
      lastInterim.delete(m.start)
    } else {
      report.interims++
      const previous = lastInterim.get(m.start)
      if (previous !== undefined) report.interimIntervals.push(now - previous)
      lastInterim.set(m.start, now)
    }
  })
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))

  const bytes = Buffer.from(options.samples.buffer, options.samples.byteOffset, options.samples.byteLength)
  const started = performance.now()
  for (let k = 0; k * frameSamples < options.samples.length; k++) {
    if (options.realtime) {
      const due = started + k * options.chunkMs
      const wait = due - performance.now()
      if (wait > 0) await sleep(wait)
    }
    sentAt.push(performance.now())
    const frame = bytes.subarray(k * frameSamples * 2, (k + 1) * frameSamples * 2)
    await new Promise<void>((resolve, reject) => ws.send(frame, (err) => err ? reject(err) : resolve()))
  }
  ws.send(JSON.stringify({ type: 'CloseStream' }))
  const code = await closed
  if (code !== 1000) throw new Error(`stream closed with ${code}`)
  return report
}
