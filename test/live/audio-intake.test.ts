import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AudioIntake, UndecodableAudioError } from '../../src/live/audio-intake.ts'
import { chunks, fixture, jfkSpeech16k, wavData } from '../helpers/live-audio.ts'

async function decodeAll (intake: AudioIntake, pieces: Uint8Array[]): Promise<{ pcm: Float32Array, before: number }> {
  const parts: Float32Array[] = []
  for (const piece of pieces) parts.push(await intake.push(piece))
  const before = parts.reduce((n, p) => n + p.length, 0)
  parts.push(await intake.end())
  const pcm = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) { pcm.set(p, at); at += p.length }
  return { pcm, before }
}

const seconds = (pcm: Float32Array): number => pcm.length / 16000

test('linear16 split anywhere, even inside a sample, decodes to the same samples', async () => {
  const pcm = jfkSpeech16k()
  const whole = await decodeAll(new AudioIntake({ encoding: 'linear16', sampleRate: 16000 }), [pcm])
  const split = await decodeAll(new AudioIntake({ encoding: 'linear16', sampleRate: 16000 }), chunks(pcm, 333))
  assert.equal(whole.pcm.length, pcm.length / 2)
  assert.deepEqual(split.pcm, whole.pcm)
  assert.equal(whole.pcm[100], pcm.readInt16LE(200) / 32768)
})

test('mulaw at 8 kHz and interleaved stereo are resampled to 16 kHz mono', async () => {
  const mulaw = wavData(fixture('jfk-8k-mulaw.wav'))
  const a = await decodeAll(new AudioIntake({ encoding: 'mulaw', sampleRate: 8000 }), chunks(mulaw.data, 160))
  assert.ok(Math.abs(seconds(a.pcm) - 2) < 0.01, `${seconds(a.pcm)} s`)

  const stereo = wavData(fixture('stereo-8k-s16.wav'))
  assert.equal(stereo.channels, 2)
  const b = await decodeAll(new AudioIntake({ encoding: 'linear16', sampleRate: 8000, channels: 2 }), chunks(stereo.data, 1001))
  assert.ok(Math.abs(seconds(b.pcm) - 1.5) < 0.01, `${seconds(b.pcm)} s`)
})

test('a browser MediaRecorder WebM/Opus stream decodes as it arrives, not only at the end', async () => {
  const webm = fixture('jfk-48k-mediarecorder.webm')
  const { pcm, before } = await decodeAll(new AudioIntake({}), chunks(webm, 500))
  assert.ok(Math.abs(seconds(pcm) - 2) < 0.05, `${seconds(pcm)} s`)
  assert.ok(before > pcm.length * 0.8, `only ${before} of ${pcm.length} samples before the end`)
})

test('Ogg/Opus decodes page by page, with or without encoding=ogg-opus', async () => {
  const ogg = fixture('jfk-48k-opus.ogg')
  for (const encoding of [undefined, 'ogg-opus', 'opus']) {
    const { pcm } = await decodeAll(new AudioIntake(encoding === undefined ? {} : { encoding }), chunks(ogg, 700))
    assert.ok(Math.abs(seconds(pcm) - 2) < 0.05, `${encoding}: ${seconds(pcm)} s`)
  }
})

test('a stream that opens with a WAV header is read as WAV even with encoding=linear16', async () => {
  // The header says 8 kHz; read as raw 16 kHz the same bytes would be half as long.
  const wav = fixture('jfk-8k-s16.wav')
  const { pcm } = await decodeAll(new AudioIntake({ encoding: 'linear16', sampleRate: 16000 }), chunks(wav, 4000))
  assert.ok(Math.abs(seconds(pcm) - 2) < 0.02, `${seconds(pcm)} s`)
})

test('frames that are views at odd offsets into larger buffers (as WebSocket frames are) decode the same', async () => {
  const atOddOffset = (bytes: Uint8Array): Uint8Array => {
    const big = new Uint8Array(bytes.length + 3)
    big.set(bytes, 3)
    return big.subarray(3)
  }
  for (const name of ['jfk-48k-mediarecorder.webm', 'jfk-16k-s16.wav', 'jfk-48k-opus.ogg']) {
    const bytes = fixture(name)
    const aligned = await decodeAll(new AudioIntake({}), chunks(new Uint8Array(bytes), 801))
    const shifted = await decodeAll(new AudioIntake({}), chunks(atOddOffset(bytes), 801))
    assert.deepEqual(shifted.pcm, aligned.pcm, name)
  }
})

test('bytes that are no known audio format are refused', async () => {
  const text = Buffer.from('this is certainly not audio, just a text file sent by mistake. '.repeat(4))
  await assert.rejects(new AudioIntake({}).push(text), UndecodableAudioError)
  // shorter than what sniffing needs: refused when the stream ends
  const intake = new AudioIntake({})
  assert.equal((await intake.push(text.subarray(0, 10))).length, 0)
  await assert.rejects(intake.end(), UndecodableAudioError)
})

test('headerless audio needs a sample rate', () => {
  assert.throws(() => new AudioIntake({ encoding: 'linear16' }), RangeError)
})
