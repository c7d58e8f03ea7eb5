import assert from 'node:assert/strict'
import { test } from 'node:test'
import { StreamingVoiceDetector, type WindowScorer } from '../../../src/transcription/vad/index.ts'

/** A scorer whose "probability" is the window's mean sample: the adapter's framing is what is under test. */
class MeanScorer implements WindowScorer {
  readonly frameSamples = 512
  windows = 0
  resets = 0
  /** Asynchronous, like the worker: a later call may be quicker than an earlier one without reordering frames. */
  async score (w: Float32Array): Promise<Float32Array> {
    const out = new Float32Array(w.length / 512)
    for (let i = 0; i < out.length; i++) out[i] = w.subarray(i * 512, (i + 1) * 512).reduce((a, b) => a + b, 0) / 512
    this.windows += out.length
    await new Promise((resolve) => setTimeout(resolve, out.length > 1 ? 2 : 0))
    return out
  }

  reset (): void { this.resets++ }
}

/** Audio whose value is the wanted probability, per 512-sample window. */
const audio = (...windowProbs: number[]): Float32Array => {
  const out = new Float32Array(windowProbs.length * 512)
  windowProbs.forEach((p, i) => out.fill(p, i * 512, (i + 1) * 512))
  return out
}

/** Pushes without waiting between pieces (as a socket delivers them): order must hold anyway. */
async function decisions (samples: Float32Array, chunk: number, settings = { threshold: 0.5 }): Promise<boolean[]> {
  const d = new StreamingVoiceDetector(new MeanScorer(), settings)
  const pushes: Array<Promise<boolean[]>> = []
  for (let i = 0; i < samples.length; i += chunk) pushes.push(d.push(samples.subarray(i, i + chunk)))
  return (await Promise.all(pushes)).flat()
}

// 8 windows = 4096 samples = 12.8 frames of 320: 12 frames complete
const cases: Array<{ name: string, windows: number[], settings?: { threshold: number, negThreshold?: number }, want: string }> = [
  { name: 'silence', windows: [0, 0, 0, 0, 0, 0, 0, 0], want: '000000000000' },
  { name: 'speech', windows: [1, 1, 1, 1, 1, 1, 1, 1], want: '111111111111' },
  // frame k covers [320k, 320k+320), its middle 320k+160 falls in window floor((320k+160)/512)
  { name: 'speech in windows 2-4', windows: [0, 0, 1, 1, 1, 0, 0, 0], want: '000111110000' },
  { name: 'hysteresis holds 0.4 after speech', windows: [0, 1, 0.4, 0.4, 0.2, 0, 0, 0], want: '001111000000' },
  { name: '0.4 alone is not speech', windows: [0, 0.4, 0.4, 0.4, 0, 0, 0, 0], want: '000000000000' },
  { name: 'a custom threshold', windows: [0, 0.6, 0.6, 0, 0, 0, 0, 0], settings: { threshold: 0.7 }, want: '000000000000' }
]

for (const c of cases) {
  test(`StreamingVoiceDetector: ${c.name}`, async () => {
    const got = (await decisions(audio(...c.windows), 320, c.settings)).map((s) => (s ? '1' : '0')).join('')
    assert.equal(got, c.want)
  })
}

test('StreamingVoiceDetector decisions do not depend on how the audio is chunked', async () => {
  const samples = audio(0, 1, 1, 0, 0, 1, 0.4, 0.3, 0, 1, 1, 1, 0, 0)
  const reference = await decisions(samples, samples.length)
  for (const chunk of [1, 7, 160, 320, 511, 512, 513, 2000]) assert.deepEqual(await decisions(samples, chunk), reference, `chunk ${chunk}`)
  assert.equal(reference.length, Math.floor(samples.length / 320))
})

test('StreamingVoiceDetector emits a frame only once its window is scored, and reset starts over', async () => {
  const scorer = new MeanScorer()
  const d = new StreamingVoiceDetector(scorer, { threshold: 0.5 })
  assert.deepEqual(await d.push(new Float32Array(511).fill(1)), []) // no window scored yet, although a 320-sample frame is complete
  assert.deepEqual(await d.push(new Float32Array(1).fill(1)), [true]) // frame 0 ends at 320 ≤ 512; frame 1 at 640, after the window
  assert.equal(scorer.windows, 1)
  d.reset()
  assert.equal(scorer.resets, 1)
  assert.deepEqual(await d.push(new Float32Array(512)), [false])
})
