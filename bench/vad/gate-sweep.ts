// bench/vad/gate-sweep.ts: Silero's probabilities for bench/vad's conditions, scored once (server and live routes,
// cached in bench/.cache/vad/sweep), then level-gate variants applied to them offline, so a sweep costs no model time.
//   node --import tsx bench/vad/gate-sweep.ts [--stats]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_VAD_SETTINGS, speechRegions } from '../../src/transcription/vad/index.ts'
import { activeSpeechPower, background, cleanTruth, layout, loadClips, mix, NONSPEECH, RATE, SPEECH, TRUTH_FRAME, type Background, type Layout } from './corpus.ts'
import { liveDetector, serverDetector } from './detectors.ts'
import { SileroOnnx } from './silero-onnx.ts'
import { SHARED_AUDIO } from '../shared-audio.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const dir = join(root, 'bench/.cache/vad/sweep')
mkdirSync(dir, { recursive: true })
const audioDir = SHARED_AUDIO

// continuous: the clips end to end, no inserted gaps; alone: the background only (as loud as at `snr` under the
// corpus's speech), every frame a gap frame
export interface Condition { name: string, kind: Background, snr: number, seed: number, voices: number, continuous?: boolean, alone?: boolean }
const seedOf = (kind: Background, base: number): number => base + ['silence', 'white', 'pink', 'babble'].indexOf(kind)
export const CONDITIONS: Condition[] = [
  { name: 'clean', kind: 'silence', snr: Infinity, seed: 1000, voices: 18 },
  { name: 'continuous clean', kind: 'silence', snr: Infinity, seed: 1000, voices: 18, continuous: true },
  ...(['white', 'pink', 'babble'] as Background[]).flatMap((kind) => [20, 10, 0].map((snr) => ({ name: `${kind} ${snr}`, kind, snr, seed: 1000, voices: 18 }))),
  { name: 'babble 10 s2000', kind: 'babble', snr: 10, seed: 2000, voices: 18 },
  { name: 'babble 10 v6', kind: 'babble', snr: 10, seed: 1000, voices: 6 },
  { name: 'babble 10 v30', kind: 'babble', snr: 10, seed: 1000, voices: 30 },
  { name: 'continuous babble 10', kind: 'babble', snr: 10, seed: 1000, voices: 18, continuous: true },
  { name: 'continuous white 10', kind: 'white', snr: 10, seed: 1000, voices: 18, continuous: true },
  { name: 'babble alone 10', kind: 'babble', snr: 10, seed: 1000, voices: 18, alone: true },
  { name: 'babble alone 10 s2000', kind: 'babble', snr: 10, seed: 2000, voices: 18, alone: true },
  { name: 'babble alone 10 v30', kind: 'babble', snr: 10, seed: 1000, voices: 30, alone: true },
  { name: 'white alone 10', kind: 'white', snr: 10, seed: 1000, voices: 18, alone: true }
]

export interface Prepared { c: Condition, l: Layout, audio: Float32Array, server: Float32Array, live: Float32Array }

export async function prepare (): Promise<Prepared[]> {
  const clips = loadClips(audioDir)
  const truthFile = join(dir, 'truths.json')
  let truths: Uint8Array[]
  if (existsSync(truthFile)) truths = (JSON.parse(readFileSync(truthFile, 'utf8')) as number[][]).map((t) => Uint8Array.from(t))
  else {
    const ref = await SileroOnnx.load()
    truths = []
    for (const c of clips) truths.push(cleanTruth(c.samples, await ref.probs(c.samples, 'silero')).truth)
    await ref.close()
    writeFileSync(truthFile, JSON.stringify(truths.map((t) => [...t])))
  }
  const gapped = layout(clips, truths)
  // continuous: the clips end to end, no inserted gaps (only the clips' own pauses)
  const continuous: Layout = (() => {
    const lens = clips.map((c) => Math.floor(c.samples.length / TRUTH_FRAME) * TRUTH_FRAME)
    const speech = new Float32Array(lens.reduce((a, b) => a + b, 0))
    const truth = new Uint8Array(speech.length / TRUTH_FRAME)
    let at = 0
    clips.forEach((c, i) => { speech.set(c.samples.subarray(0, lens[i]), at); truth.set(truths[i]!.subarray(0, lens[i]! / TRUTH_FRAME), at / TRUTH_FRAME); at += lens[i]! })
    return { speech, truth, gap: new Uint8Array(truth.length) }
  })()
  const alone: Layout = { speech: new Float32Array(gapped.speech.length), truth: new Uint8Array(gapped.truth.length), gap: new Uint8Array(gapped.gap.length).fill(1) }
  const speechPower = activeSpeechPower(gapped)
  const aloneGain = (snr: number): number => Math.sqrt(speechPower / 10 ** (snr / 10))
  const scaled = (x: Float32Array, gain: number): Float32Array => x.map((v) => v * gain)
  let server: Awaited<ReturnType<typeof serverDetector>> | undefined
  let live: Awaited<ReturnType<typeof liveDetector>> | undefined
  const out: Prepared[] = []
  for (const c of CONDITIONS) {
    const l = c.continuous === true ? continuous : c.alone === true ? alone : gapped
    const noise = (): Float32Array => background(c.kind, l.speech.length, clips, seedOf(c.kind, c.seed), c.voices)
    const audio = c.kind === 'silence' ? l.speech : c.alone === true ? scaled(noise(), aloneGain(c.snr)) : mix(l, noise(), c.snr)
    const file = (route: string): string => join(dir, `${c.name.replaceAll(' ', '_')}.${route}.f32`)
    const get = async (route: 'server' | 'live'): Promise<Float32Array> => {
      if (existsSync(file(route))) { const b = readFileSync(file(route)); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)) }
      const det = route === 'server' ? (server ??= await serverDetector()) : (live ??= await liveDetector())
      const { probs } = await det.detect(audio)
      writeFileSync(file(route), Buffer.from(probs.buffer, probs.byteOffset, probs.byteLength))
      return probs
    }
    out.push({ c, l, audio, server: await get('server'), live: await get('live') })
  }
  await server?.close()
  await live?.close()
  return out
}

export interface Score { recall: number, falseShare: number }
/** bench/vad's scoring: regions from (already gated) probabilities, recall on truth speech, false speech in the gaps. */
export function score (p: Prepared, probs: ArrayLike<number>): Score {
  const regions = speechRegions(probs, DEFAULT_VAD_SETTINGS, { frameSamples: 512, totalSamples: p.audio.length })
  const frames = p.l.truth.length
  const decided = new Uint8Array(frames)
  for (const r of regions) for (let f = Math.ceil((r.start - TRUTH_FRAME / 2) / TRUTH_FRAME); f < frames && f * TRUTH_FRAME + TRUTH_FRAME / 2 < r.end; f++) decided[f] = 1
  let tp = 0; let fn = 0; let noise = 0; let noiseFp = 0
  for (let f = 0; f < frames; f++) {
    if (p.l.truth[f] === SPEECH) { if (decided[f]) tp++; else fn++ }
    if (p.l.gap[f]) { noise++; if (decided[f]) noiseFp++ }
    void NONSPEECH
  }
  return { recall: tp / Math.max(1, tp + fn), falseShare: noiseFp / Math.max(1, noise) }
}
void RATE

if (import.meta.url === `file://${process.argv[1]}`) {
  const prepared = await prepare()
  for (const p of prepared) {
    const s = score(p, p.server); const v = score(p, p.live)
    console.log(`${p.c.name.padEnd(22)} server ${s.recall.toFixed(3)} / ${(100 * s.falseShare).toFixed(1)} %   live ${v.recall.toFixed(3)} / ${(100 * v.falseShare).toFixed(1)} %`)
  }
}
