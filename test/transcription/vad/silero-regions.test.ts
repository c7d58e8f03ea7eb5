// src/transcription/vad on real Silero probabilities (the server's SileroVad, in its worker): speech
// with inserted silence and noise gives regions only around the speech, none in the noise, and decode windows whose
// time maps land inside the speech.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { readWav } from '../../../bench/prerecorded/wav.ts'
import { decodeWindows, DEFAULT_VAD_SETTINGS, SileroVad, speechRegions, type Region } from '../../../src/transcription/vad/index.ts'

const S = 16000
const jfk = readWav(fileURLToPath(new URL('../../fixtures/audio/jfk-full-16k-s16.wav', import.meta.url)))
const speech = Float32Array.from(jfk.samples, (x) => x / 32768)

/**
 * Deterministic white noise at `dbfs` RMS, faded in and out over 0.5 s: background noise rises and falls, and a
 * noise burst starting at full level in one sample is itself an onset Silero may (reasonably) call an event.
 */
function noise (seconds: number, dbfs: number): Float32Array {
  let a = 12345
  const rms = 10 ** (dbfs / 20)
  const n = seconds * S
  const fade = 0.5 * S
  return Float32Array.from({ length: n }, (_, i) => {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0
    return ((a / 2 ** 32) * 2 - 1) * rms * Math.sqrt(3) * Math.min(1, i / fade, (n - i) / fade)
  })
}

// 1 s digital silence | jfk (11 s) | 3 s white noise at -30 dBFS | jfk | 1 s silence
const parts = [new Float32Array(S), speech, noise(3, -30), speech, new Float32Array(S)]
const audio = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
const spans: Region[] = []
{
  let at = 0
  parts.forEach((p, i) => {
    audio.set(p, at)
    if (p === speech) spans.push({ start: at, end: at + p.length })
    if (i === 2) spans.push({ start: -1, end: -1 }) // placeholder, replaced below
    at += p.length
  })
}
const speechSpans = spans.filter((s) => s.start >= 0)
const noiseSpan = { start: S + speech.length, end: S + speech.length + 3 * S }

let vad: SileroVad
let probs: Float32Array
before(async () => {
  vad = new SileroVad()
  probs = await vad.probabilities(audio)
})
after(async () => { await vad.close() })

test('regions lie inside the speech (with padding), never in the inserted silence or noise', () => {
  const regions = speechRegions(probs, DEFAULT_VAD_SETTINGS, { totalSamples: audio.length })
  assert.ok(regions.length >= 2, `${regions.length} regions`)
  const pad = 0.1 * S
  for (const r of regions) {
    assert.ok(speechSpans.some((s) => r.start >= s.start - pad && r.end <= s.end + pad), `region ${r.start / S}-${r.end / S} s outside speech`)
    assert.ok(r.end <= noiseSpan.start + pad || r.start >= noiseSpan.end - pad, `region ${r.start / S}-${r.end / S} s in the noise`)
  }
  // and the speech is covered (jfk.wav is ~11 s with ~3 s of pauses between phrases)
  for (const s of speechSpans) {
    const covered = regions.reduce((n, r) => n + Math.max(0, Math.min(r.end, s.end) - Math.max(r.start, s.start)), 0)
    assert.ok(covered > 0.6 * (s.end - s.start), `only ${(covered / S).toFixed(1)} s of ${(s.end - s.start) / S} s covered`)
  }
})

test('decode windows skip the silence and noise, and map back into the speech', () => {
  const regions = speechRegions(probs, DEFAULT_VAD_SETTINGS, { totalSamples: audio.length })
  const windows = decodeWindows(regions, { probs })
  const decoded = windows.reduce((n, w) => n + w.samples, 0)
  assert.ok(windows.length === 1, `${windows.length} windows`) // 2 × 11 s of speech fit one 30 s window
  assert.ok(decoded < audio.length - 4 * S, `decoded ${decoded / S} s of ${audio.length / S} s`)
  for (const w of windows) {
    for (let t = 0; t <= w.samples; t += 0.25 * S) {
      const src = w.map.toSourceSample(t)
      assert.ok(speechSpans.some((s) => src >= s.start - 0.1 * S && src <= s.end + 0.1 * S), `joined ${t / S} s → ${src / S} s`)
    }
  }
})
