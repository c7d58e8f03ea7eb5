import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { TestContext } from 'node:test'
import { chromium, type Browser } from 'playwright-core'

/** Debian's Chromium (`.ci/run` installs it when missing); playwright-core drives it and downloads nothing. */
export const CHROMIUM = '/usr/bin/chromium'

/** Screenshots and other browser artifacts: gitignored, kept after the run for a person to look at. */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../.artifacts/', import.meta.url))

export function artifactPath (name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true })
  return `${ARTIFACTS_DIR}${name}`
}

const SPEECH_WAV = fileURLToPath(new URL('../fixtures/audio/jfk-16k-s16.wav', import.meta.url))
const CACHE = fileURLToPath(new URL('../.cache/', import.meta.url))

/**
 * What the fake microphone plays, on a loop: 0.5 s of silence, the 2 s JFK fixture (16 kHz mono s16), 2 s of
 * silence — a person speaking and pausing, so live endpointing finalises each utterance.
 */
export function fakeMicrophoneWav (): string {
  const path = `${CACHE}fake-microphone-16k.wav`
  if (existsSync(path)) return path
  const wav = readFileSync(SPEECH_WAV)
  const at = wav.indexOf('data')
  if (at < 0) throw new Error(`${SPEECH_WAV}: no data chunk`)
  const speech = wav.subarray(at + 8, at + 8 + wav.readUInt32LE(at + 4))
  const pcm = Buffer.concat([Buffer.alloc(16000), speech, Buffer.alloc(64000)])
  const header = Buffer.alloc(44)
  header.write('RIFF', 0); header.writeUInt32LE(36 + pcm.length, 4); header.write('WAVE', 8)
  header.write('fmt ', 12); header.writeUInt32LE(16, 16); header.writeUInt16LE(1, 20); header.writeUInt16LE(1, 22)
  header.writeUInt32LE(16000, 24); header.writeUInt32LE(32000, 28); header.writeUInt16LE(2, 32); header.writeUInt16LE(16, 34)
  header.write('data', 36); header.writeUInt32LE(pcm.length, 40)
  mkdirSync(CACHE, { recursive: true })
  // parallel test processes: write aside, then rename into place
  const tmp = `${path}.${process.pid}`
  writeFileSync(tmp, Buffer.concat([header, pcm]))
  renameSync(tmp, path)
  return path
}

/**
 * Headless Chromium with a fake microphone (fakeMicrophoneWav) that needs no permission prompt; closed after the
 * test.
 */
export async function launchBrowser (t: TestContext): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this)`)
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${fakeMicrophoneWav()}`,
      '--autoplay-policy=no-user-gesture-required',
      '--disable-gpu',
      '--disable-dev-shm-usage'
    ]
  })
  t.after(() => browser.close())
  return browser
}
