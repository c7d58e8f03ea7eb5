// bench/vad/periodicity-variants.ts: a periodicity (harmonicity) gate scored offline on Silero's cached probabilities
// (gate-sweep.ts), files (lead and hangover) and live (causal: hangover only; optionally the segmenter's 0.3 s
// pre-roll added before each region). One talker's voiced frames have one strong pitch; a crowd, white and pink
// noise have none. Per 32 ms Silero window: the audio low-passed and decimated to `rate`, then the largest
// normalized cross-correlation between the window and itself `lag` samples earlier, lag over F0 60–400 Hz.
// Options: clip (centre clipping), k (periodicity averaged over ±k windows, live the past k), minRun, level (the
// shipped level gate too), rel/q/horizon (threshold above the background's own periodicity percentile), cont, yin.
//   node --import tsx bench/vad/periodicity-variants.ts stats|cost                  distributions | CPU per window
//   node --import tsx bench/vad/periodicity-variants.ts sep all '[{feature},…]'    separation from babble alone
//   node --import tsx bench/vad/periodicity-variants.ts regions all [T] | split all  whole Silero regions kept by their
//       periodic share (files); T > 0 then the frame gate at T inside them, T < 0 the level gate at -T dB
//   node --import tsx bench/vad/periodicity-variants.ts '[{"thr":0.7,"lead":3,"hang":7},…]' [all|condition,…]
import { decimate2 } from '../../src/transcription/vad/decimate.ts'
import { DEFAULT_VAD_SETTINGS, gateProbabilities, gateProbabilitiesCausal, SlidingPercentile, speechRegions } from '../../src/transcription/vad/index.ts'
import { SPEECH, TRUTH_FRAME } from './corpus.ts'
import { prepare, type Prepared } from './gate-sweep.ts'

const F = 512
export interface Feature { rate: 8000 | 4000, sub: number, clip?: number, span?: number, cont?: number, yin?: boolean }

/** Per Silero window: max over lags of the normalized correlation of each sub-window with its past, then max over sub-windows. */
export function periodicity (audio: Float32Array, frames: number, f: Feature): Float32Array {
  let x = decimate2(audio)
  if (f.rate === 4000) x = decimate2(x)
  const d = 16000 / f.rate
  const hop = F / d
  const minLag = Math.floor(f.rate / 400)
  const maxLag = Math.ceil(f.rate / 60)
  const out = new Float32Array(frames)
  const span = f.span ?? 1
  const len = hop * span / f.sub
  if ((f.clip ?? 0) > 0) {
    // centre clipping (Sondhi): per window, samples within clip × the window's peak are zeroed, the rest shifted
    // towards zero, which flattens the formants so that the correlation follows the pitch
    const y = new Float32Array(x.length)
    for (let i = 0; i * hop < x.length; i++) {
      let peak = 0
      for (let t = i * hop; t < Math.min(x.length, (i + 1) * hop); t++) peak = Math.max(peak, Math.abs(x[t] as number))
      const c = (f.clip as number) * peak
      for (let t = i * hop; t < Math.min(x.length, (i + 1) * hop); t++) { const v = x[t] as number; y[t] = v > c ? v - c : v < -c ? v + c : 0 }
    }
    x = y
  }
  const lags = new Int32Array(frames)
  for (let i = 0; i < frames; i++) {
    let best = 0
    let bestLag = 0
    for (let s = 0; s < f.sub; s++) {
      const a = (i + 1) * hop - hop * span + s * len
      if (a - maxLag < 0 || a + len > x.length) continue
      let e0 = 0
      for (let t = a; t < a + len; t++) e0 += (x[t] as number) ** 2
      if (e0 < 1e-10) continue
      // energy of the lagged segment, updated per lag
      let el = 0
      for (let t = a - minLag; t < a + len - minLag; t++) el += (x[t] as number) ** 2
      if (f.yin === true) {
        // YIN's cumulative mean normalized difference, 1 - its minimum over the F0 range
        let cum = 0
        let dmin = Number.POSITIVE_INFINITY
        for (let lag = 1; lag <= maxLag; lag++) {
          let d = 0
          for (let t = a; t < a + len; t++) { const v = (x[t] as number) - (x[t - lag] as number); d += v * v }
          cum += d
          const dn = cum > 0 ? d * lag / cum : 1
          if (lag >= minLag && dn < dmin) { dmin = dn; bestLag = lag }
        }
        best = Math.max(best, 1 - dmin)
        continue
      }
      for (let lag = minLag; lag <= maxLag; lag++) {
        if (lag > minLag) el += (x[a - lag] as number) ** 2 - (x[a + len - lag] as number) ** 2
        let c = 0
        for (let t = a; t < a + len; t++) c += (x[t] as number) * (x[t - lag] as number)
        const r = c / Math.sqrt(e0 * el + 1e-20)
        if (r > best) { best = r; bestLag = lag }
      }
    }
    out[i] = best
    lags[i] = bestLag
    // cont: one talker's pitch moves little from one window to the next (a crowd's strongest lag jumps), so a
    // window counts only as much as its lag agrees (within cont × lag) with the previous window's
    if ((f.cont ?? 0) > 0 && i > 0 && Math.abs(bestLag - (lags[i - 1] as number)) > (f.cont as number) * bestLag) out[i] = Math.min(best, out[i - 1] as number) * 0.5
  }
  return out
}

export interface Variant extends Feature { thr: number, lead: number, hang: number, minRun: number, k: number, level: number, q: number, rel: number, horizon: number }
const BASE: Variant = { thr: 0.7, lead: 3, hang: 7, rate: 4000, sub: 1, minRun: 1, k: 0, level: 0, q: 0.2, rel: 0, horizon: 250 }

/** rel > 0: the threshold is max(thr, the q-th percentile of the (smoothed) periodicity over the horizon + rel): the background's own periodicity sets the bar. */
export function relativeThreshold (per: Float32Array, live: boolean, v: Variant): Float32Array {
  const n = per.length
  const out = new Float32Array(n).fill(v.thr)
  if (!(v.rel > 0)) return out
  const sp = new SlidingPercentile(v.q)
  let fed = 0
  let old = 0
  for (let i = 0; i < n; i++) {
    const lo = live ? Math.max(0, i - v.horizon + 1) : Math.max(0, i - Math.floor(v.horizon / 2))
    const hi = live ? i : Math.min(n - 1, i + Math.floor(v.horizon / 2))
    while (fed <= hi) sp.push(per[fed++] as number)
    while (old < lo) { sp.shift(); old++ }
    out[i] = Math.max(v.thr, sp.value + v.rel)
  }
  return out
}

/** Silero's probabilities kept only within lead/hangover frames of a periodic run (minRun frames at >= thr). */
export function gatePeriodic (probs: Float32Array, per: Float32Array, live: boolean, q: Variant): Float32Array {
  const n = probs.length
  const thr = relativeThreshold(per, live, q)
  const voiced = new Uint8Array(n)
  let run = 0
  for (let i = 0; i < n; i++) {
    run = (per[i] as number) >= (thr[i] as number) ? run + 1 : 0
    if (run >= q.minRun) for (let j = i - q.minRun + 1; j <= i; j++) voiced[j] = 1
  }
  const out = new Float32Array(n)
  let last = Number.NEGATIVE_INFINITY
  let next = 0
  for (let i = 0; i < n; i++) {
    // live: a run is known only at its minRun-th frame
    if (live ? (run = (per[i] as number) >= (thr[i] as number) ? (i === 0 ? 1 : run + 1) : 0) >= q.minRun : voiced[i] === 1) last = i
    if (next < i) next = i
    while (next < n && voiced[next] !== 1) next++
    const near = i - last <= q.hang || (!live && next < n && next - i <= q.lead)
    out[i] = near ? probs[i] as number : 0
  }
  return out
}

interface Score { recall: number, falseShare: number }
function score (p: Prepared, probs: ArrayLike<number>, preRollSamples = 0): Score {
  const regions = speechRegions(probs, DEFAULT_VAD_SETTINGS, { frameSamples: F, totalSamples: p.audio.length })
  const frames = p.l.truth.length
  const decided = new Uint8Array(frames)
  for (const r0 of regions) {
    const r = { start: Math.max(0, r0.start - preRollSamples), end: r0.end }
    for (let f = Math.ceil((r.start - TRUTH_FRAME / 2) / TRUTH_FRAME); f < frames && f * TRUTH_FRAME + TRUTH_FRAME / 2 < r.end; f++) decided[f] = 1
  }
  let tp = 0; let fn = 0; let noise = 0; let fp = 0
  for (let f = 0; f < frames; f++) {
    if (p.l.truth[f] === SPEECH) { if (decided[f] === 1) tp++; else fn++ }
    if (p.l.gap[f] === 1) { noise++; if (decided[f] === 1) fp++ }
  }
  return { recall: tp / Math.max(1, tp + fn), falseShare: fp / Math.max(1, noise) }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const prepared = await prepare()
  const only = process.argv[3] === undefined || process.argv[3] === 'all' ? undefined : process.argv[3].split(',')
  const conds = prepared.filter((x) => only === undefined || only.includes(x.c.name))
  const cache = new Map<string, Float32Array>()
  const feat = (p: Prepared, f: Feature): Float32Array => {
    const k = `${p.c.name}|${JSON.stringify(f)}`
    let v = cache.get(k)
    if (v === undefined) cache.set(k, v = periodicity(p.audio, p.server.length, f))
    return v
  }
  const smooth = (per: Float32Array, k: number, live: boolean): Float32Array => Float32Array.from(per, (_, i) => {
    const lo = Math.max(0, live ? i - k : i - k); const hi = Math.min(per.length - 1, live ? i : i + k)
    let s = 0
    for (let j = lo; j <= hi; j++) s += per[j] as number
    return s / (hi - lo + 1)
  })
  const speechWindows = (p: Prepared, v: Float32Array): number[] => [...v].filter((_, i) => {
    let s = 0
    for (let k = 0; k < 3; k++) if (p.l.truth[Math.floor(i * 3.2) + k] === SPEECH) s++
    return s >= 2
  })
  if (process.argv[2] === 'split') {
    // files: Silero's regions cut where the averaged periodicity (±7 windows) stays below T for L windows or more
    // (keeping `edge` windows at each side of the cut), then each piece kept whole if 20 % of its windows reach 0.6
    const f: Feature = { rate: 4000, sub: 1, clip: 0.3 }
    for (const T of [0.45, 0.48, 0.5]) {
      for (const L of [6, 8, 12]) {
        for (const edge of [2, 4]) {
          const cells = conds.map((p) => {
            const per = feat(p, f)
            const avg = smooth(per, 7, false)
            const regs = speechRegions(p.server, DEFAULT_VAD_SETTINGS, { frameSamples: F, totalSamples: p.audio.length })
            const g = new Float32Array(p.server.length)
            const keepPiece = (a: number, b: number): void => {
              let c = 0
              for (let i = a; i < b; i++) if ((per[i] as number) >= 0.6) c++
              if (b > a && c / (b - a) >= 0.2) for (let i = a; i < b; i++) g[i] = p.server[i] as number
            }
            for (const r of regs) {
              const a = Math.floor(r.start / F); const b = Math.min(per.length, Math.ceil(r.end / F))
              // the whole region must pass the share test too (a long stretch of babble fails it as a whole)
              let whole = 0
              for (let i = a; i < b; i++) if ((per[i] as number) >= 0.6) whole++
              if (whole / Math.max(1, b - a) < 0.2) continue
              let from = a
              let i = a
              while (i < b) {
                if ((avg[i] as number) >= T) { i++; continue }
                let j = i
                while (j < b && (avg[j] as number) < T) j++
                if (j - i >= L) { keepPiece(from, Math.min(b, i + edge)); from = Math.max(from, j - edge) }
                i = j
              }
              keepPiece(from, b)
            }
            const sc = score(p, g)
            return `${p.c.name} ${sc.recall.toFixed(3)}/${(100 * sc.falseShare).toFixed(1)}`
          })
          console.log(`T ${T} L ${L} edge ${edge}: ${cells.join(' | ')}`)
        }
      }
    }
  } else if (process.argv[2] === 'regions') {
    // files: Silero's own regions, each kept whole or dropped by its share of windows at or above 0.6 (clip 0.3)
    const f: Feature = { rate: 4000, sub: 1, clip: 0.3 }
    const T = Number(process.argv[4] ?? 0)
    for (const t of [0.6]) {
      for (const R of [0.2]) {
        const cells = conds.map((p) => {
          const per = feat(p, f)
          const regs = speechRegions(p.server, DEFAULT_VAD_SETTINGS, { frameSamples: F, totalSamples: p.audio.length })
          const g = new Float32Array(p.server.length)
          for (const r of regs) {
            const a = Math.floor(r.start / F); const b = Math.min(per.length, Math.ceil(r.end / F))
            let c = 0
            for (let i = a; i < b; i++) if ((per[i] as number) >= t) c++
            if (c / Math.max(1, b - a) >= R) for (let i = a; i < b; i++) g[i] = p.server[i] as number
          }
          // T > 0: then the frame gate (smoothed ±7, lead 3, hangover 5) inside the kept regions
          // T < 0: the shipped level gate at -T dB inside the kept regions instead
          const sc = score(p, T < 0 ? gateProbabilities(g, p.audio, -T, F) : T > 0 ? gatePeriodic(g, smooth(per, 7, false), false, { ...BASE, ...f, k: 7, thr: T, lead: 3, hang: 5 }) : g)
          return `${p.c.name} ${sc.recall.toFixed(3)}/${(100 * sc.falseShare).toFixed(1)}`
        })
        console.log(`t ${t} share ${R}: ${cells.join(' | ')}`)
      }
    }
  } else if (process.argv[2] === 'cost') {
    // CPU per 32 ms window of the feature (clip 0.3, 4 kHz) on ~10 min of the babble 10 condition, median of 5
    const p = prepared.find((x) => x.c.name === 'babble 10') as Prepared
    const reps = 11
    const long = new Float32Array(p.audio.length * reps)
    for (let r = 0; r < reps; r++) long.set(p.audio, r * p.audio.length)
    const frames = Math.floor(long.length / F)
    for (const f of [{ rate: 4000, sub: 1, clip: 0.3 }, { rate: 8000, sub: 1, clip: 0.3 }] as Feature[]) {
      const t: number[] = []
      for (let k = 0; k < 5; k++) { const c0 = process.cpuUsage(); periodicity(long, frames, f); const c = process.cpuUsage(c0); t.push((c.user + c.system) / 1000 / frames) }
      const d: number[] = []
      for (let k = 0; k < 5; k++) { const c0 = process.cpuUsage(); decimate2(long); const c = process.cpuUsage(c0); d.push((c.user + c.system) / 1000 / frames) }
      const med = (a: number[]): string => a.sort((x, y) => x - y)[2]!.toFixed(4)
      console.log(`${JSON.stringify(f)}: ${med(t)} ms CPU per window (one decimate2 pass alone: ${med(d)}), ${frames} windows`)
    }
  } else if (process.argv[2] === 'sep') {
    // separation: the threshold that babble alone (default draw) reaches on 2 % of its windows, and the share of
    // speech windows at or above it per condition (and of babble alone s2000's windows)
    const feats = JSON.parse(process.argv[4] ?? '[{"rate":4000,"sub":1}]') as Feature[]
    const ref = prepared.find((x) => x.c.name === 'babble alone 10') as Prepared
    const ref2 = prepared.find((x) => x.c.name === 'babble alone 10 s2000') as Prepared
    const names = ['clean', 'white 10', 'white 0', 'pink 0', 'babble 10', 'babble 10 s2000', 'continuous babble 10', 'continuous white 10']
    console.log(`feature | k | live | thr | alone s2000 | ${names.join(' | ')}`)
    for (const f of feats) {
      for (const k of [0, 2, 4, 7]) {
        for (const live of [false, true]) {
          const b = [...smooth(feat(ref, f), k, live)].sort((a, c) => a - c)
          const t = b[Math.floor(0.98 * b.length)] as number
          const sh = (a: ArrayLike<number>): string => (100 * Array.from(a).filter((v) => v >= t).length / a.length).toFixed(1)
          const cells = names.map((nm) => { const p = prepared.find((x) => x.c.name === nm) as Prepared; return sh(speechWindows(p, smooth(feat(p, f), k, live))) })
          console.log(`${JSON.stringify(f)} | ${k} | ${live} | ${t.toFixed(3)} | ${sh(smooth(feat(ref2, f), k, live))} | ${cells.join(' | ')}`)
        }
      }
    }
  } else if (process.argv[2] === 'stats') {
    // share of windows at or above each threshold: truth-speech windows (majority of its 10 ms frames) vs gap windows
    for (const f of [{ rate: 8000, sub: 1 }, { rate: 4000, sub: 1 }, { rate: 4000, sub: 2 }] as Feature[]) {
      console.log(`\nfeature ${JSON.stringify(f)}: share of windows >= 0.5 / 0.6 / 0.7 / 0.8 / 0.9, speech | gap`)
      for (const p of conds) {
        const per = feat(p, f)
        const sp: number[] = []; const gp: number[] = []
        for (let i = 0; i < per.length; i++) {
          let s = 0; let g = 0
          for (let k = 0; k < F / TRUTH_FRAME && i * 3.2 + k < p.l.truth.length; k++) {
            const fr = Math.floor(i * 3.2) + k
            if (p.l.truth[fr] === SPEECH) s++
            if (p.l.gap[fr] === 1) g++
          }
          if (s >= 2) sp.push(per[i] as number)
          if (g >= 2) gp.push(per[i] as number)
        }
        const sh = (a: number[], t: number): string => (a.length === 0 ? '  -  ' : (100 * a.filter((v) => v >= t).length / a.length).toFixed(1).padStart(5))
        const th = [0.5, 0.6, 0.7, 0.8, 0.9]
        console.log(`${p.c.name.padEnd(22)} ${th.map((t) => sh(sp, t)).join(' ')} | ${th.map((t) => sh(gp, t)).join(' ')}`)
      }
    }
  } else {
    const variants = (JSON.parse(process.argv[2] ?? '[{}]') as Array<Partial<Variant>>).map((v) => ({ ...BASE, ...v }))
    const cell = (s: Score): string => `${s.recall.toFixed(3)} / ${(100 * s.falseShare).toFixed(1)} %`
    console.log(`| condition | Silero alone (files, live, live+pre-roll) | ${variants.map((v) => JSON.stringify(v)).join(' | ')} |`)
    console.log(`| --- | --- | ${variants.map(() => '---').join(' | ')} |`)
    for (const p of conds) {
      const three = (srv: Float32Array, lv: Float32Array): string => `${cell(score(p, srv))}, ${cell(score(p, lv))}, ${cell(score(p, lv, 4800))}`
      const cells = variants.map((q) => {
        const per = feat(p, q)
        // level > 0: the shipped level gate (that margin) as well, both must pass
        const srv = Float32Array.from(gateProbabilities(p.server, p.audio, q.level, F))
        const lv = Float32Array.from(gateProbabilitiesCausal(p.live, p.audio, q.level, F))
        return three(gatePeriodic(srv, smooth(per, q.k, false), false, q), gatePeriodic(lv, smooth(per, q.k, true), true, q))
      })
      console.log(`| ${p.c.name} | ${three(p.server, p.live)} | ${cells.join(' | ')} |`)
    }
    console.log('\nCells: recall / false speech (% of gap frames): files, live, live with the 0.3 s pre-roll before each region. lead/hang in 32 ms frames.')
  }
}
