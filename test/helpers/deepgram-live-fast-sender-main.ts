// Child-process entry: `node deepgram-live-fast-sender-main.ts <ws url> <key>` streams speech at full speed
// (LiveClient.sendFast) and prints `open` once the session is open; the test then kills the process.
import WebSocket from 'ws'
import { LiveClient } from './deepgram-live-client.ts'
import { jfkSpeech16k, silence16k } from './live-audio.ts'

const [url, key] = process.argv.slice(2) as [string, string]
const ws = new WebSocket(url, { headers: { authorization: `Token ${key}` } })
ws.on('error', (err) => { process.stderr.write(`${err.message}\n`); process.exit(1) })
ws.once('open', () => {
  new LiveClient(ws, {}).sendFast(Buffer.concat([jfkSpeech16k(), silence16k(0.4)]), 3200)
  process.stdout.write('open\n')
})
