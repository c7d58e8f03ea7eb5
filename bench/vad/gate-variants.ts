// bench/vad/gate-variants.ts: level-gate variants scored offline on Silero's cached probabilities (gate-sweep.ts),
// files (centred) and live (causal) alike. What it tries, beyond the shipped gate (level-gate.ts, VAD_MIN_SNR_DB):
//   - engagement: the gate applies only where the background is voice-like to Silero: over the horizon, the share
//     of frames at or below the level floor (+ bgDb) that Silero calls speech (p >= 0.5) must reach `engage`
//     (0 = always on, the shipped gate); files look both ways, live only back.
//   - shift: where engaged, Silero's probability is lowered by `shift` (its thresholds raised by as much).
//   - margin, lead and hangover as in the shipped gate (frames of 32 ms).
//   node --import tsx bench/vad/gate-variants.ts ['[{"engage":0.2},…]'] [condition,…]
import { meanPower, SlidingPercentile } from '../../src/transcription/vad/index.ts'
import { prepare, score, type Prepared } from './gate-sweep.ts'

const F = 512
const toDb = (x: number): number => 10 * Math.log10(x)
interface Variant { far: number, margin: number, bgDb: number, engage: number, shift: number, hangover: number, lead: number, smooth: number, horizon: number }
const SHIPPED: Variant = { far: 0, margin: 4, bgDb: 0, engage: 0, shift: 0, hangover: 7, lead: 3, smooth: 5, horizon: 250 }

function gate (audio: Float32Array, probs: Float32Array, live: boolean, q: Variant): Float32Array {
  const n = probs.length
  const power = Float64Array.from({ length: n }, (_, i) => meanPower(audio, i * F, Math.min(audio.length, (i + 1) * F)))
  const span = (i: number, frames: number): [number, number] => live
    ? [Math.max(0, i - frames + 1), i]
    : [Math.max(0, i - Math.floor(frames / 2)), Math.min(n - 1, i + Math.floor(frames / 2))]
  const level = Float64Array.from({ length: n }, (_, i) => {
    const [lo, hi] = span(i, q.smooth)
    let s = 0
    for (let j = lo; j <= hi; j++) s += power[j] as number
    return toDb(s / (hi - lo + 1))
  })
  const floor = new Float64Array(n)
  const fl = new SlidingPercentile(0.1)
  let fed = 0
  let old = 0
  for (let i = 0; i < n; i++) {
    const [lo, hi] = span(i, q.horizon)
    while (fed <= hi) fl.push(level[fed++] as number)
    while (old < lo) { fl.shift(); old++ }
    floor[i] = fl.value
  }
  const loud = Uint8Array.from({ length: n }, (_, i) => ((level[i] as number) >= (floor[i] as number) + q.margin ? 1 : 0))
  // frames from the nearest loud frame (live: the last one only)
  const dist = new Float64Array(n).fill(Number.POSITIVE_INFINITY)
  for (let i = 0, d = Number.POSITIVE_INFINITY; i < n; i++) { d = loud[i] === 1 ? 0 : d + 1; dist[i] = d }
  if (!live) for (let i = n - 1, d = Number.POSITIVE_INFINITY; i >= 0; i--) { d = loud[i] === 1 ? 0 : d + 1; dist[i] = Math.min(dist[i] as number, d) }
  // engagement: running sums of background frames (at the floor, `far` frames or more from a loud one) and of
  // those Silero calls speech
  const cb = new Float64Array(n + 1)
  const cs = new Float64Array(n + 1)
  for (let i = 0; i < n; i++) {
    const bg = (level[i] as number) <= (floor[i] as number) + q.bgDb && (dist[i] as number) >= q.far ? 1 : 0
    cb[i + 1] = (cb[i] as number) + bg
    cs[i + 1] = (cs[i] as number) + (bg === 1 && (probs[i] as number) >= 0.5 ? 1 : 0)
  }
  const out = new Float32Array(n)
  let last = Number.NEGATIVE_INFINITY
  let next = 0
  for (let i = 0; i < n; i++) {
    if (loud[i] === 1) last = i
    if (next < i) next = i
    while (next < n && loud[next] !== 1) next++
    const [lo, hi] = span(i, q.horizon)
    const bg = (cb[hi + 1] as number) - (cb[lo] as number)
    const engaged = bg > 0 && ((cs[hi + 1] as number) - (cs[lo] as number)) / bg >= q.engage
    const near = i - last <= q.hangover || (!live && next < n && next - i <= q.lead)
    out[i] = !engaged ? probs[i] as number : near ? Math.max(0, (probs[i] as number) - q.shift) : 0
  }
  return out
}

const prepared = await prepare()
const variants = JSON.parse(process.argv[2] ?? '[{"engage":0},{"engage":0.2},{"engage":0.15,"hangover":3,"shift":0.2},{"engage":0,"hangover":3,"shift":0.2}]') as Array<Partial<Variant>>
const only = process.argv[3]?.split(',')
const cell = (p: Prepared, live: boolean, q: Variant): string => {
  const s = score(p, gate(p.audio, live ? p.live : p.server, live, q))
  return `${s.recall.toFixed(3)} / ${(100 * s.falseShare).toFixed(1)} %`
}
console.log(`| condition | Silero alone (files / live) | ${variants.map((v) => JSON.stringify(v)).join(' | ')} |`)
console.log(`| --- | --- | ${variants.map(() => '---').join(' | ')} |`)
for (const p of prepared.filter((x) => only === undefined || only.includes(x.c.name))) {
  const alone = `${cell(p, false, { ...SHIPPED, engage: 2 })}, ${cell(p, true, { ...SHIPPED, engage: 2 })}`
  console.log(`| ${p.c.name} | ${alone} | ${variants.map((v) => `${cell(p, false, { ...SHIPPED, ...v })}, ${cell(p, true, { ...SHIPPED, ...v })}`).join(' | ')} |`)
}
console.log('\nCells: recall / false speech (% of gap frames), files then live. Frames of 32 ms; bgDb 0, horizon 8 s, smoothing 160 ms unless set.')
