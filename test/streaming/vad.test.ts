import { test } from 'node:test'
import assert from 'node:assert/strict'
import { VAD_FRAME_SAMPLES, VAD_WARMUP_FRAMES } from '../../src/streaming/constants.ts'
import { loadVoiceDetector, VoiceDetector } from '../../src/streaming/vad.ts'
import { jfkSpeech16k, quietNoise16k, silence16k } from './helpers.ts'

const toFloat = (s16: Buffer): Float32Array => Float32Array.from({ length: s16.length / 2 }, (_, i) => s16.readInt16LE(i * 2) / 32768)

async function decisions (pcm: Float32Array, pieceSize = 1000): Promise<boolean[]> {
  const detector = new VoiceDetector(await loadVoiceDetector())
  const out: boolean[] = []
  for (let off = 0; off < pcm.length; off += pieceSize) detector.push(pcm.subarray(off, off + pieceSize), (s) => out.push(s))
  detector.free()
  detector.free() // idempotent
  return out
}

test('one decision per 20 ms frame, whatever the piece sizes', async () => {
  const pcm = toFloat(jfkSpeech16k())
  const a = await decisions(pcm, 1000)
  const b = await decisions(pcm, 77)
  assert.equal(a.length, Math.floor(pcm.length / VAD_FRAME_SAMPLES))
  assert.deepEqual(b, a)
})

test('speech is speech; digital silence and a quiet room are not', async () => {
  const speech = await decisions(toFloat(jfkSpeech16k()))
  const voiced = speech.filter(Boolean).length
  assert.ok(voiced > speech.length * 0.7, `${voiced} of ${speech.length} frames of speech`)
  assert.ok(speech.slice(0, VAD_WARMUP_FRAMES).every((s) => !s), 'warm-up frames are never speech')
  assert.deepEqual((await decisions(toFloat(silence16k(3)))).filter(Boolean), [])
  assert.deepEqual((await decisions(toFloat(quietNoise16k(3)))).filter(Boolean), [])
})

test('many detectors share the WASM module without interfering', async () => {
  const vad = await loadVoiceDetector()
  const speech = toFloat(jfkSpeech16k())
  const quiet = toFloat(silence16k(2))
  const a = new VoiceDetector(vad)
  const b = new VoiceDetector(vad)
  const outA: boolean[] = []
  const outB: boolean[] = []
  for (let off = 0; off < speech.length; off += 320) {
    a.push(speech.subarray(off, off + 320), (s) => outA.push(s))
    b.push(quiet.subarray(off, off + 320), (s) => outB.push(s))
  }
  a.free()
  b.free()
  assert.deepEqual(outA, await decisions(speech))
  assert.ok(outB.every((s) => !s))
})
