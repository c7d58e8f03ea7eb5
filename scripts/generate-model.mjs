#!/usr/bin/env node
// Writes a synthetic Whisper model in whisper.cpp's legacy ggml .bin format, for tests and benchmarks that must
// not download anything. Layout (whisper_model_load in whisper.cpp): magic, 11 int32 hparams, mel filterbank,
// vocab, then every tensor as {int32 n_dims, int32 name_len, int32 ttype, int32 ne[n_dims] (ggml order), name, data}.
//
// tiny(.en) and base(.en) have the real tensor names, shapes and types, so load, mel, encoder, cross-attention and
// decoder run the full whisper.cpp path at the real cost. Weights are random (deterministic per seed) except the
// decoder, which is "scripted": the first decoder MLP is a lookup table token -> next token, so every 30 s window
// decodes to  <|0.00|> <phrase tokens> <|30.00|> <|endoftext|>  whatever the audio. A fully random decoder rarely
// emits end-of-text and runs every window to the 224-token limit with all temperature fallbacks; a real model's
// decode is bounded by what was said, and the fixed phrase mimics that.
// `small-test` has tiny dimensions (state 64, one layer, ~8 MB, multilingual vocab so language detection runs):
// only for fast load/plumbing tests, its cost means nothing.
//
// `--type q8_0|q5_0|q5_1` writes the 2-D weight matrices quantized exactly as whisper.cpp's `quantize` tool does
// (ggml's reference row quantizers, the same tensors skipped, ftype + 1000 * GGML_QNT_VERSION in the header), so
// quantized models take the same load and compute paths as the published ggml-*-q5_1.bin files.
//
// usage: node scripts/generate-model.mjs OUT.bin [--arch tiny.en|tiny|base.en|base|small-test] [--type f16|q8_0|q5_0|q5_1] [--phrase "..."] [--seed N]
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const ARCHS = {
  'tiny.en': { nVocab: 51864, state: 384, head: 6, layer: 4 },
  tiny: { nVocab: 51865, state: 384, head: 6, layer: 4 },
  'base.en': { nVocab: 51864, state: 512, head: 8, layer: 6 },
  base: { nVocab: 51865, state: 512, head: 8, layer: 6 },
  'small-test': { nVocab: 51865, state: 64, head: 2, layer: 1 }
}

export const DEFAULT_PHRASE = 'Hello world, this is a synthetic whisper model. It always says the same words, whatever it hears.'

/** Splits a phrase into whisper-like tokens: " word" (leading space) and each trailing punctuation mark alone. */
export function phraseTokens (phrase) {
  const tokens = []
  for (const word of phrase.trim().split(/\s+/).filter(Boolean)) {
    const [, body = '', trail = ''] = /^(.*?)(\p{P}*)$/u.exec(word) ?? []
    const marks = [...trail]
    tokens.push(' ' + (body || marks.shift()))
    tokens.push(...marks)
  }
  return tokens
}

// xorshift32 + Box-Muller: fast, and the same bytes for the same seed on every machine
function makeRng (seed) {
  let s = (seed >>> 0) || 1
  let spare = null
  const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 4294967296 }
  const gauss = () => {
    if (spare !== null) { const x = spare; spare = null; return x }
    const u = rnd(); const v = rnd(); const r = Math.sqrt(-2 * Math.log(u))
    spare = r * Math.sin(2 * Math.PI * v)
    return r * Math.cos(2 * Math.PI * v)
  }
  return { gauss }
}

/** Weight types: ggml tensor type id, file ftype (with GGML_QNT_VERSION 2), block size, bytes per block. */
export const WEIGHT_TYPES = {
  f16: { ttype: 1, ftype: 1, block: 1, bytes: 2 },
  q8_0: { ttype: 8, ftype: 2007, block: 32, bytes: 34 },
  q5_0: { ttype: 6, ftype: 2008, block: 32, bytes: 22 },
  q5_1: { ttype: 7, ftype: 2009, block: 32, bytes: 24 }
}

// ggml-quants.c quantize_row_*_ref, block by block (little-endian: d [, m], qh, qs)
function quantize (vals, type) {
  const { block, bytes } = WEIGHT_TYPES[type]
  const nb = vals.length / block
  const out = Buffer.alloc(nb * bytes)
  for (let i = 0; i < nb; i++) {
    const x = vals.subarray(i * block, i * block + block)
    const o = i * bytes
    if (type === 'q8_0') {
      let amax = 0
      for (const v of x) amax = Math.max(amax, Math.abs(v))
      const d = amax / 127; const id = d ? 1 / d : 0
      out.writeUInt16LE(toHalf(d), o)
      for (let j = 0; j < 32; j++) out.writeInt8(Math.max(-128, Math.min(127, Math.round(x[j] * id))), o + 2 + j)
    } else {
      let qh = 0
      let d; let min = 0; let id
      if (type === 'q5_0') {
        let amax = 0; let max = 0
        for (const v of x) if (amax < Math.abs(v)) { amax = Math.abs(v); max = v }
        d = max / -16; id = d ? 1 / d : 0
        out.writeUInt16LE(toHalf(d), o)
      } else {
        min = Infinity; let max = -Infinity
        for (const v of x) { if (v < min) min = v; if (v > max) max = v }
        d = (max - min) / 31; id = d ? 1 / d : 0
        out.writeUInt16LE(toHalf(d), o); out.writeUInt16LE(toHalf(min), o + 2)
      }
      const q = (v) => type === 'q5_0' ? Math.min(31, Math.trunc(v * id + 16.5)) : Math.trunc((v - min) * id + 0.5) & 0xff
      const qs = o + (type === 'q5_0' ? 6 : 8)
      for (let j = 0; j < 16; j++) {
        const x0 = q(x[j]); const x1 = q(x[j + 16])
        out[qs + j] = (x0 & 0x0f) | ((x1 & 0x0f) << 4)
        qh |= ((x0 & 0x10) >>> 4) << j
        qh |= ((x1 & 0x10) >>> 4) << (j + 16)
      }
      out.writeUInt32LE(qh >>> 0, o + (type === 'q5_0' ? 2 : 4))
    }
  }
  return out
}

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)
function toHalf (x) { // float32 -> IEEE half, round to nearest
  f32[0] = x
  const b = u32[0]
  const sign = (b >>> 16) & 0x8000
  const e = ((b >>> 23) & 0xff) - 127 + 15
  let m = b & 0x7fffff
  if (e >= 31) return sign | 0x7c00
  if (e <= 0) { if (e < -10) return sign; m = (m | 0x800000) >>> (1 - e); return sign | ((m + 0x1000) >>> 13) }
  const h = sign | (e << 10) | (m >>> 13)
  return (m & 0x1000) ? h + 1 : h
}

// Slaney mel filterbank == librosa.filters.mel(sr=16000, n_fft=400, n_mels=80), i.e. whisper's mel_filters.npz
function melFilters (nMels = 80, nFft = 400, sr = 16000) {
  const fSp = 200 / 3; const minLogHz = 1000; const minLogMel = minLogHz / fSp; const logStep = Math.log(6.4) / 27
  const hz2mel = (f) => (f >= minLogHz ? minLogMel + Math.log(f / minLogHz) / logStep : f / fSp)
  const mel2hz = (m) => (m >= minLogMel ? minLogHz * Math.exp(logStep * (m - minLogMel)) : fSp * m)
  const nBins = 1 + Math.floor(nFft / 2)
  const fft = Array.from({ length: nBins }, (_, i) => (i * (sr / 2)) / (nBins - 1))
  const mMax = hz2mel(sr / 2)
  const melF = Array.from({ length: nMels + 2 }, (_, i) => mel2hz((i * mMax) / (nMels + 1)))
  const w = new Float32Array(nMels * nBins)
  for (let i = 0; i < nMels; i++) {
    const enorm = 2 / (melF[i + 2] - melF[i])
    for (let j = 0; j < nBins; j++) {
      const lower = (fft[j] - melF[i]) / (melF[i + 1] - melF[i])
      const upper = (melF[i + 2] - fft[j]) / (melF[i + 2] - melF[i + 1])
      w[i * nBins + j] = Math.max(0, Math.min(lower, upper)) * enorm
    }
  }
  return { nMels, nBins, w }
}

/**
 * Writes the model to `out` (through a temp file + rename, so readers never see a partial file).
 * @returns {{ path: string, bytes: number, tokens: string[], text: string }}
 */
export function generateModel (out, { arch = 'tiny.en', phrase = DEFAULT_PHRASE, seed = 1, type = 'f16' } = {}) {
  const a = ARCHS[arch]
  if (!a) throw new Error(`unknown arch '${arch}' (known: ${Object.keys(ARCHS).join(', ')})`)
  const wt = WEIGHT_TYPES[type]
  if (!wt) throw new Error(`unknown weight type '${type}' (known: ${Object.keys(WEIGHT_TYPES).join(', ')})`)
  const { gauss } = makeRng(seed)
  const S = a.state
  const hp = [a.nVocab, 1500, S, a.head, a.layer, 448, S, a.head, a.layer, 80, wt.ftype]
  const multilingual = a.nVocab >= 51865
  // special token ids exactly as whisper.cpp derives them (99 languages for these vocab sizes)
  const ml = multilingual ? 1 : 0
  const TOK = { eot: 50256 + ml, sot: 50257 + ml, translate: 50357 + ml, transcribe: 50358 + ml, not: 50362 + ml, beg: 50363 + ml, en: 50259 }
  const tsEnd = TOK.beg + 1500 // <|30.00|>: closing timestamp of every window

  // vocab: bytes, then one id per phrase token (repeats get their own id: the script is a token -> next lookup,
  // so a repeated id would loop), then filler up to the 50256 text tokens of the real files
  const script = phraseTokens(phrase)
  if (script.length === 0) throw new Error('--phrase must contain at least one word')
  if (script.length + 8 > 4 * S) throw new Error(`phrase too long for arch ${arch} (max ${4 * S - 8} tokens)`)
  const toks = []
  for (let i = 0; i < 256; i++) toks.push(Buffer.from([i]))
  const scriptIds = script.map((t) => toks.push(Buffer.from(t)) - 1)
  const syl = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'to', 'vi', 'de', 'po', 'an', 'er', 'in', 'on', 'st', 'th']
  for (let i = toks.length; i < 50256; i++) {
    let s = ' '; let k = i
    do { s += syl[k % 16]; k = Math.floor(k / 16) } while (k > 0)
    toks.push(Buffer.from(s))
  }
  toks.push(Buffer.from(multilingual ? '' : '<|endoftext|>'))

  // decoder token embedding (tied output projection): rows of norm ~1.5, so a residual aligned with a row gives
  // that token a logit margin of ~1.5*sqrt(S) over the rest: probability ~1, no temperature fallback.
  // Timestamps share one direction, so one MLP unit recognises "any timestamp".
  const te = new Float32Array(a.nVocab * S)
  for (let i = 0; i < te.length; i++) te[i] = gauss() * (1.5 / Math.sqrt(S))
  const dTs = new Float32Array(S)
  { let n = 0; for (let c = 0; c < S; c++) { dTs[c] = gauss(); n += dTs[c] ** 2 } n = Math.sqrt(n); for (let c = 0; c < S; c++) dTs[c] /= n }
  for (let t = TOK.beg; t < tsEnd; t++) for (let c = 0; c < S; c++) te[t * S + c] = 1.5 * 0.95 * dTs[c] + 0.31 * te[t * S + c]
  const row = (t) => { const v = te.subarray(t * S, t * S + S); let n = 0; for (const x of v) n += x * x; n = Math.sqrt(n); return Float32Array.from(v, (x) => x / n) }

  // the script: key token -> value token, stored in decoder.blocks.0.mlp
  const table = [
    [TOK.sot, multilingual ? TOK.en : TOK.beg], // language detection (multilingual) -> en; .en: -> timestamp
    [TOK.transcribe, TOK.beg], [TOK.translate, TOK.beg], [TOK.en, TOK.beg], // end of prompt -> initial timestamp
    [TOK.not, scriptIds[0]], // no-timestamps prompt -> first word
    ['ts', scriptIds[0]], // after the initial timestamp -> first word
    ...scriptIds.map((id, i) => [id, scriptIds[i + 1] ?? tsEnd]),
    // closing <|30.00|> then EOT: whisper.cpp only counts a segment (and advances the window) up to a timestamp
    // token > <|0.00|>; without it every window but the last would fall back to higher temperatures
    [tsEnd, TOK.eot]
  ]

  const normal = (std) => (v) => { for (let k = 0; k < v.length; k++) v[k] = gauss() * std }
  const ones = (v) => v.fill(1)
  const zeros = (v) => v.fill(0)
  const smallb = normal(0.02)
  const lin = (fanIn) => normal(1 / Math.sqrt(fanIn))
  const thresh = -0.5 * Math.sqrt(S) + 0.8 // a match gives ~0.95*sqrt(S), a non-match ~N(0,1)
  const tensors = [] // [name, torch shape, fill]
  const block = (p, cross) => {
    const dec = p.startsWith('decoder')
    const outW = (fanIn) => (dec ? normal(0.02 / Math.sqrt(fanIn)) : lin(fanIn)) // decoder blocks write little to the residual
    const outB = dec ? zeros : smallb
    for (const at of cross ? ['attn', 'cross_attn'] : ['attn']) {
      tensors.push([`${p}.${at}_ln.weight`, [S], ones], [`${p}.${at}_ln.bias`, [S], zeros])
      tensors.push([`${p}.${at}.query.weight`, [S, S], lin(S)], [`${p}.${at}.query.bias`, [S], smallb])
      tensors.push([`${p}.${at}.key.weight`, [S, S], lin(S)])
      tensors.push([`${p}.${at}.value.weight`, [S, S], lin(S)], [`${p}.${at}.value.bias`, [S], smallb])
      tensors.push([`${p}.${at}.out.weight`, [S, S], outW(S)], [`${p}.${at}.out.bias`, [S], outB])
    }
    tensors.push([`${p}.mlp_ln.weight`, [S], ones], [`${p}.mlp_ln.bias`, [S], zeros])
    if (p === 'decoder.blocks.0') {
      // hidden unit j fires only when mlp_ln(x) ~ sqrt(S)*unit(te[key_j]), and then writes ~30*unit(te[value_j])
      tensors.push([`${p}.mlp.0.weight`, [4 * S, S], (v) => { v.fill(0); table.forEach(([k], j) => v.set(row(k === 'ts' ? TOK.beg : k), j * S)) }])
      tensors.push([`${p}.mlp.0.bias`, [4 * S], (v) => { v.fill(-10); table.forEach((_, j) => { v[j] = thresh }) }])
      tensors.push([`${p}.mlp.2.weight`, [S, 4 * S], (v) => { v.fill(0); table.forEach(([, val], j) => { const r = row(val); for (let c = 0; c < S; c++) v[c * 4 * S + j] = (30 / 9) * r[c] }) }])
      tensors.push([`${p}.mlp.2.bias`, [S], zeros])
    } else {
      tensors.push([`${p}.mlp.0.weight`, [4 * S, S], lin(S)], [`${p}.mlp.0.bias`, [4 * S], smallb])
      tensors.push([`${p}.mlp.2.weight`, [S, 4 * S], outW(4 * S)], [`${p}.mlp.2.bias`, [S], outB])
    }
  }
  const sinusoids = (len, ch) => (v) => { // openai/whisper's fixed encoder positional embedding
    const half = ch / 2; const inc = Math.log(10000) / (half - 1)
    for (let p = 0; p < len; p++) for (let c = 0; c < half; c++) { const x = p * Math.exp(-inc * c); v[p * ch + c] = Math.sin(x); v[p * ch + half + c] = Math.cos(x) }
  }
  tensors.push(['encoder.positional_embedding', [1500, S], sinusoids(1500, S)])
  tensors.push(['encoder.conv1.weight', [S, 80, 3], lin(3 * 80)], ['encoder.conv1.bias', [S, 1], smallb])
  tensors.push(['encoder.conv2.weight', [S, S, 3], lin(3 * S)], ['encoder.conv2.bias', [S, 1], smallb])
  for (let i = 0; i < a.layer; i++) block(`encoder.blocks.${i}`, false)
  tensors.push(['encoder.ln_post.weight', [S], ones], ['encoder.ln_post.bias', [S], zeros])
  tensors.push(['decoder.token_embedding.weight', [a.nVocab, S], (v) => v.set(te)])
  tensors.push(['decoder.positional_embedding', [448, S], normal(0.02)])
  for (let i = 0; i < a.layer; i++) block(`decoder.blocks.${i}`, true)
  tensors.push(['decoder.ln.weight', [S], ones], ['decoder.ln.bias', [S], zeros])

  const tmp = `${out}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`
  const fd = openSync(tmp, 'w')
  let bytes = 0
  const put = (buf) => { writeSync(fd, buf); bytes += buf.length }
  const i32 = (...v) => { const b = Buffer.alloc(4 * v.length); v.forEach((x, k) => b.writeInt32LE(x, 4 * k)); return b }
  try {
    put(i32(0x67676d6c, ...hp))
    const mel = melFilters()
    put(i32(mel.nMels, mel.nBins)); put(Buffer.from(mel.w.buffer))
    put(i32(toks.length))
    for (const t of toks) { put(i32(t.length)); put(t) }
    for (const [name, shape, fill] of tensors) {
      const n = shape.reduce((x, y) => x * y, 1)
      // the f32/f16 split of whisper.cpp's models/convert-pt-to-ggml.py
      const isF32 = shape.length < 2 || name === 'encoder.conv1.bias' || name === 'encoder.conv2.bias' || name.endsWith('positional_embedding')
      const vals = new Float32Array(n); fill(vals)
      const nameB = Buffer.from(name)
      // what whisper.cpp's quantize tool converts: 2-D matrices (conv kernels stay f16, biases f32)
      const quantized = type !== 'f16' && !isF32 && shape.length === 2
      put(i32(shape.length, nameB.length, isF32 ? 0 : quantized ? wt.ttype : 1))
      put(i32(...[...shape].reverse())) // ggml order: ne[0] is the last torch dim
      put(nameB)
      if (isF32) put(Buffer.from(vals.buffer))
      else if (quantized) put(quantize(vals, type))
      else { const h = new Uint16Array(n); for (let k = 0; k < n; k++) h[k] = toHalf(vals[k]); put(Buffer.from(h.buffer)) }
    }
    closeSync(fd)
    renameSync(tmp, out)
  } catch (err) {
    try { closeSync(fd) } catch {}
    rmSync(tmp, { force: true })
    throw err
  }
  return { path: out, bytes, tokens: script, text: script.join('').trim() }
}

function cli (argv) {
  const opts = {}
  let out
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]
    if (k === '--arch') opts.arch = argv[++i]
    else if (k === '--phrase') opts.phrase = argv[++i]
    else if (k === '--seed') opts.seed = Number(argv[++i])
    else if (k === '--type') opts.type = argv[++i]
    else if (!k.startsWith('--') && out === undefined) out = k
    else throw new Error(`unexpected argument '${k}'`)
  }
  if (!out) throw new Error('usage: generate-model.mjs OUT.bin [--arch tiny.en|tiny|base.en|base|small-test] [--type f16|q8_0|q5_0|q5_1] [--phrase "..."] [--seed N]')
  const r = generateModel(out, opts)
  console.log(`wrote ${r.path}: arch=${opts.arch ?? 'tiny.en'} type=${opts.type ?? 'f16'} ${(r.bytes / 1e6).toFixed(1)} MB, scripted text "${r.text}"`)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try { cli(process.argv.slice(2)) } catch (err) { console.error(err.message); process.exitCode = 2 }
}
