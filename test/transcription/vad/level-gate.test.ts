// The level gate on synthetic audio whose level is known per 32 ms frame: a background that fluctuates a few dB
// (like a crowd) never counts as speech on its own, bursts well above it do (with the lead and hangover around
// them), digital silence gives finite levels, and the live (causal) gate decides a burst on its first frame.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { prng } from '../../audio/helpers.ts'
import {
  DEFAULT_VAD_SETTINGS, gateProbabilities, gateProbabilitiesCausal, LEVEL_GATE_PARAMS, LevelGate, levelMask, SlidingPercentile, speechRegions
} from '../../../src/transcription/vad/index.ts'

const F = 512
const leadFrames = Math.round(LEVEL_GATE_PARAMS.leadMs / 32)
const hangoverFrames = Math.round(LEVEL_GATE_PARAMS.hangoverMs / 32)
const half = Math.floor(Math.round(LEVEL_GATE_PARAMS.smoothMs / 32) / 2) // frames the smoothing reaches each way
const M = 10 // margin used here: the crowd below moves ±3 dB, well inside it
const gated = { ...DEFAULT_VAD_SETTINGS, minSnrDb: M }

/** White noise whose RMS, per frame, is the given level in dBFS (-Infinity = digital silence). */
function levels (dbPerFrame: number[], seed = 1): Float32Array {
  const rand = prng(seed)
  const out = new Float32Array(dbPerFrame.length * F)
  dbPerFrame.forEach((db, f) => {
    const a = 10 ** (db / 20) * Math.sqrt(3)
    for (let k = f * F; k < (f + 1) * F; k++) out[k] = (rand() * 2 - 1) * a
  })
  return out
}

/** A crowd-like background: -30 dBFS, drifting by up to ±3 dB from frame to frame. */
const crowd = (frames: number, seed = 2): number[] => {
  const rand = prng(seed)
  let d = 0
  return Array.from({ length: frames }, () => { d = Math.max(-3, Math.min(3, d + (rand() - 0.5) * 2)); return -30 + d })
}

test('SlidingPercentile is the percentile of the values pushed and not yet shifted', () => {
  const rand = prng(3)
  const p = new SlidingPercentile(0.1)
  const window: number[] = []
  assert.equal(p.value, Number.POSITIVE_INFINITY)
  for (let i = 0; i < 3000; i++) {
    const v = Math.floor(rand() * 50)
    p.push(v)
    window.push(v)
    if (window.length > 40) { p.shift(); window.shift() }
    const sorted = [...window].sort((a, b) => a - b)
    assert.equal(p.value, sorted[Math.floor(0.1 * (sorted.length - 1))], `after ${i + 1} values`)
  }
})

test('a fluctuating background alone is never loud: mask empty, all regions gone though Silero said speech', () => {
  const audio = levels(crowd(400))
  assert.deepEqual([...levelMask(audio, 400, M, F)].filter(Boolean), [])
  const allSpeech = new Float32Array(400).fill(0.9)
  assert.deepEqual(speechRegions(allSpeech, gated, { totalSamples: audio.length, audio }), [])
  // without the gate (0 dB, the default) or without the audio, Silero's speech stands
  assert.equal(speechRegions(allSpeech, { ...gated, minSnrDb: 0 }, { totalSamples: audio.length, audio }).length, 1)
  assert.equal(speechRegions(allSpeech, gated, { totalSamples: audio.length }).length, 1)
})

test('speech 20 dB above the background passes, with the lead before it and the hangover after it', () => {
  const db = crowd(400)
  for (let f = 200; f < 220; f++) db[f] = -10
  const mask = levelMask(levels(db), 400, M, F)
  const on = [...mask.keys()].filter((i) => mask[i] === 1)
  // the centred smoothing lets the burst count up to `half` frames early or late
  assert.ok(on[0]! >= 200 - half - leadFrames && on[0]! <= 200 - leadFrames, `mask starts at ${on[0]}`)
  assert.ok(on.at(-1)! >= 219 + hangoverFrames && on.at(-1)! <= 219 + half + hangoverFrames, `mask ends at ${on.at(-1)}`)
  assert.equal(on.length, on.at(-1)! - on[0]! + 1, 'one span')
})

test('continuous speech is not its own floor: its pauses are', () => {
  // 10 s of syllables: 160 ms at -20 dBFS, 160 ms at -50 (quiet room between them), never a longer pause
  const db = Array.from({ length: 312 }, (_, f) => (f % 10 < 5 ? -20 : -50))
  const mask = levelMask(levels(db), db.length, M, F)
  assert.equal(mask.reduce((a, b) => a + b, 0), db.length)
})

test('digital silence: finite levels, never loud; speech after it is', () => {
  const db = [...Array<number>(100).fill(-Infinity), ...Array<number>(20).fill(-60), ...Array<number>(100).fill(-Infinity)]
  const audio = levels(db)
  const mask = levelMask(audio, db.length, M, F)
  assert.deepEqual([...mask.subarray(0, 100 - half - leadFrames)].filter(Boolean), [], 'silence before the speech')
  assert.ok(mask.subarray(100, 120).every((m) => m === 1), 'a quiet talker (-60 dBFS) over digital silence')
  const probs = new Float32Array(db.length).fill(0.9)
  assert.ok(Array.from(gateProbabilities(probs, audio, M, F)).every(Number.isFinite))
  const zeros = new Float32Array(50 * F)
  assert.deepEqual([...levelMask(zeros, 50, M, F)].filter(Boolean), [])
  const live = new LevelGate(M)
  for (let f = 0; f < 50; f++) assert.equal(live.push(zeros.subarray(f * F, (f + 1) * F)), false)
})

test('gate off (0 dB): probabilities unchanged, live gate always open', () => {
  const probs = Float32Array.from({ length: 40 }, (_, i) => i / 40)
  const audio = levels(crowd(40))
  assert.equal(gateProbabilities(probs, audio, 0, F), probs)
  assert.equal(gateProbabilitiesCausal(probs, audio, 0, F), probs)
  assert.equal(new LevelGate(0).push(audio.subarray(0, F)), true)
})

test('live gate: causal, opens on the first loud frame, closes after the hangover; crowd alone stays closed', () => {
  const db = crowd(300)
  for (let f = 200; f < 230; f++) db[f] = -10
  const audio = levels(db)
  const gate = new LevelGate(M)
  const open: boolean[] = []
  for (let f = 0; f < db.length; f++) open.push(gate.push(audio.subarray(f * F, (f + 1) * F)))
  assert.equal(open.slice(0, 200).filter(Boolean).length, 0, 'crowd alone, from the stream start')
  assert.equal(open[200], true, 'the burst decides its first frame (no look-ahead, no wait for the floor)')
  assert.ok(open.slice(200, 230 + hangoverFrames).every(Boolean))
  // the trailing smoothing holds the burst 2 * half frames after its end, then the hangover runs out
  assert.ok(open.slice(230 + 2 * half + hangoverFrames).every((o) => !o))
  // the file helper with the causal gate is the same gate
  const probs = new Float32Array(db.length).fill(1)
  assert.deepEqual(Array.from(gateProbabilitiesCausal(probs, audio, M, F), (p) => p === 1), open)
  gate.reset()
  assert.equal(gate.push(audio.subarray(210 * F, 211 * F)), false, 'after reset the floor starts over')
})
