// Per-window CPU cost of the Silero versions and TEN VAD (bench/vad/silero-versions.ts, ten-vad.ts) side by side in
// one process, rounds alternating, on the LibriVox clips and jfk.wav end to end with babble mixed at 10 dB (every
// model runs on every window: no digital silence). Process CPU per 32 ms of audio, median over rounds.
//
//   node --import tsx bench/vad/version-cost.ts [--detectors v6,v5,v4,ten] [--rounds 5] [--models-dir …] [--ten-dir …]
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { background, loadClips, RATE } from './corpus.ts'
import type { Detector } from './detectors.ts'
import { sileroVersionDetector } from './silero-versions.ts'
import { tenVadDetector } from './ten-vad.ts'
import { loadAverage, median } from '../prerecorded/stats.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] as string : fallback
}
const names = arg('detectors', 'v6,v5,v4,ten').split(',')
const rounds = Number(arg('rounds', '5'))
const modelsDir = arg('models-dir', join(root, 'bench/.cache/vad/models'))
const tenDir = arg('ten-dir', join(root, 'bench/.cache/vad/ten-vad'))

const clips = loadClips(join(root, '../shared/audio'))
const speech = new Float32Array(clips.reduce((n, c) => n + c.samples.length, 0))
let at = 0
for (const c of clips) { speech.set(c.samples, at); at += c.samples.length }
const noise = background('babble', speech.length, clips, 1003)
const power = (x: Float32Array): number => x.reduce((s, v) => s + v * v, 0) / x.length
const gain = Math.sqrt(power(speech) / power(noise) / 10)
const audio = speech.map((v, i) => v + gain * (noise[i] as number))

const dets: Detector[] = []
for (const n of names) dets.push(n === 'ten' ? await tenVadDetector(tenDir) : await sileroVersionDetector(n, modelsDir))
const windows = audio.length / 512
const cpu: number[][] = dets.map(() => [])
console.log(`${(audio.length / RATE).toFixed(1)} s of audio, ${rounds} rounds, load average ${loadAverage()} at the start`)
for (let r = 0; r < rounds; r++) {
  for (const [i, d] of dets.entries()) cpu[i]?.push((await d.detect(audio)).cpuSeconds * 1000 / windows)
}
const base = median(cpu[0] as number[])
console.log('\n| detector | CPU ms per 32 ms of audio (median) | range | / first |\n| --- | --- | --- | --- |')
for (const [i, d] of dets.entries()) {
  const c = cpu[i] as number[]
  console.log(`| ${d.name} | ${median(c).toFixed(3)} | ${Math.min(...c).toFixed(3)}–${Math.max(...c).toFixed(3)} | ${(median(c) / base).toFixed(2)} |`)
  await d.close()
}
console.log(`\nload average ${loadAverage()} at the end`)
