// earshot computes whisper_full's first step (the log-mel spectrogram and the signal energy token timestamps use)
// itself, in abortable slices (native/src/whisper-unit.cpp), and whisper_full then decodes that. It must be
// whisper's own computation bit for bit, and so must everything decoded from it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { DEFAULT_SPIN_YIELD, loadNativeModel, setSpinYield, type NativeResult } from '../../src/engine/binding.ts'
import { testAudio, testModel } from '../helpers/models.ts'

// As the engine sets it (a scheduling choice only: test/engine/native.test.ts): with ggml's busy spin, the 2-thread
// runs below take minutes instead of seconds while other test files share the cores.
setSpinYield(DEFAULT_SPIN_YIELD)

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength)
const withoutTimings = (r: NativeResult): Omit<NativeResult, 'timings'> & { timings: undefined } => ({ ...r, timings: undefined })

/** jfk.wav (16 kHz mono s16): real speech, so the spectrogram's clamp to max - 8 acts as it does in use. */
function speech (): Float32Array {
  const wav = readFileSync(new URL('../fixtures/audio/jfk-16k-s16.wav', import.meta.url))
  const at = wav.indexOf('data', 12)
  const n = wav.readUInt32LE(at + 4) / 2
  const pcm = new Float32Array(n)
  for (let i = 0; i < n; i++) pcm[i] = wav.readInt16LE(at + 8 + 2 * i) / 32768
  return pcm
}

test('the abortable spectrogram and signal energy are whisper\'s own, bit for bit', async () => {
  const model = await loadNativeModel(testModel('small-test'))
  try {
    const inputs: Array<[string, Float32Array]> = [
      ['jfk.wav', speech()],
      // under one round; a round and a bit; many rounds at 1 thread (1000 frames = 10 s each), odd lengths
      ['0.75 s', testAudio(0.75, 3)],
      ['12.3 s', testAudio(12.3001, 5)],
      ['95 s', testAudio(95.0123, 7)]
    ]
    for (const [name, pcm] of inputs) {
      for (const threads of [1, 2, 3]) {
        const ours = model.spectrogram(pcm, { threads, energy: true })
        const whisper = model.spectrogram(pcm, { threads, energy: true, whisperMel: true })
        const what = `${name}, ${threads} thread(s)`
        assert.deepEqual([ours.nMel, ours.nLen, ours.nLenOrg], [whisper.nMel, whisper.nLen, whisper.nLenOrg], what)
        assert.equal(ours.mel.length, ours.nMel * ours.nLen)
        assert.ok(bytes(ours.mel).equals(bytes(whisper.mel)), `spectrogram differs: ${what}`)
        assert.equal(ours.energy.length, pcm.length)
        assert.ok(bytes(ours.energy).equals(bytes(whisper.energy)), `signal energy differs: ${what}`)
      }
    }

    // the comparison sees a change of one sample (it is not comparing constants)
    const pcm = speech()
    const before = model.spectrogram(pcm, { threads: 2, energy: true })
    pcm[16_000] = (pcm[16_000] ?? 0) + 0.01
    const after = model.spectrogram(pcm, { threads: 2, energy: true })
    assert.ok(!bytes(before.mel).equals(bytes(after.mel)))
    assert.ok(!bytes(before.energy).equals(bytes(after.energy)))

    // inputs whisper itself would read past (it reflects samples[1..200]): no crash, whisper's frame counts
    assert.equal(model.spectrogram(new Float32Array(0), { threads: 1 }).nLenOrg, 0)
    assert.equal(model.spectrogram(new Float32Array(100), { threads: 2, energy: true }).nLenOrg, 1)
    assert.throws(() => model.spectrogram(new Float32Array(100), { threads: 1, whisperMel: true }), /more than 200 samples/)
  } finally {
    await model.free()
  }
})

test('a transcription decodes the same tokens, probabilities and timestamps from either spectrogram', async () => {
  const model = await loadNativeModel(testModel('small-test'))
  try {
    // three 30 s windows, token timestamps (the signal energy), 2 threads; then language detection on the same state
    const pcm = testAudio(75, 11)
    for (const job of [
      { pcm, threads: 2, language: 'en', tokenTimestamps: true },
      { pcm: speech(), threads: 1, language: 'auto', detectLanguage: true }
    ]) {
      // A decode's last bits of probability depend on what the state decoded before (whisper's own behaviour,
      // whichever spectrogram: a fresh state's first run differs from its second): each compared run follows the same job.
      await model.transcribe(job)
      const ours = await model.transcribe(job)
      const whisper = await model.transcribe({ ...job, whisperMel: true })
      assert.ok(ours.segments.length >= 1)
      assert.deepEqual(withoutTimings(ours), withoutTimings(whisper))
      assert.ok((ours.timings.melMs ?? 0) > 0 && whisper.timings.melMs === undefined)
    }
    // the token probabilities depend on the audio, so the comparison above can fail
    const other = await model.transcribe({ pcm: testAudio(75, 12), threads: 2, language: 'en' })
    const first = await model.transcribe({ pcm, threads: 2, language: 'en' })
    assert.notDeepEqual(other.segments.map((s) => s.tokens.map((t) => t.plog)), first.segments.map((s) => s.tokens.map((t) => t.plog)))
  } finally {
    await model.free()
  }
})
