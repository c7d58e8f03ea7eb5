// Child-process entry for runV4Live: `node deepgram-v4-live-main.ts`, the
// options as JSON on stdin (audio base64), the run as one JSON line on stdout.
import { text } from 'node:stream/consumers'
import { runV4Live, type V4LiveOptions } from './deepgram-v4-live.ts'

const input = JSON.parse(await text(process.stdin)) as Omit<V4LiveOptions, 'audio'> & { audio: string }
const run = await runV4Live({ ...input, audio: Buffer.from(input.audio, 'base64') })
process.stdout.write(`${JSON.stringify(run)}\n`)
