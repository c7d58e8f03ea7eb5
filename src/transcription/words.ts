/**
 * Whisper tokens -> Deepgram words. Pure functions, no engine state.
 *
 * Whisper's BPE tokens carry their leading space: a token starting with whitespace starts a new word, any other
 * token continues the current one (" Hel" + "lo" + "," -> "Hello,"). A token that is only punctuation and starts a
 * word (" -") is glued to the previous word instead, since Deepgram has no punctuation-only words.
 *
 * Token texts come joined across split UTF-8 (token-text.ts): a token holding only a space, whose character
 * arrives with the next token, passes its word start on to that token.
 */
import type { TranscribedSegment, TranscribedToken } from '../engine/types.ts'

export interface Word {
  word: string
  start: number
  end: number
  confidence: number
  punctuated_word: string
}

export interface WordsResult {
  words: Word[]
  /** Punctuated words joined by single spaces (Deepgram's transcript with punctuate=true). */
  transcript: string
  /** Lower-case words without punctuation (Deepgram's transcript with punctuate=false). */
  plainTranscript: string
  /** Mean word confidence; 0 when there are no words. */
  confidence: number
}

export interface WordsOptions {
  /** Seconds of audio the tokens came from: times are clamped to [0, duration]. */
  duration: number
  /** Seconds added to every time after clamping (streaming: where this chunk starts in the stream). */
  offset?: number
}

// [_BEG_], [_TT_123], [_SOT_], [_EOT_], [_LANG_en], [_extra_token_50300], <|endoftext|>, <|en|>, <|0.00|> ...
const SPECIAL_RE = /^\s*(\[_[a-z]+_?[^\]]*\]|<\|[^|]*\|>)\s*$/i
const PUNCT_ONLY_RE = /^[\p{P}\p{S}]+$/u
const EDGE_PUNCT_RE = /^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu

export function isSpecialToken (text: string): boolean {
  return text === '' || SPECIAL_RE.test(text)
}

/** Deepgram's `word`: lower-case, punctuation stripped at the edges (keeps "don't", "e-mail"). */
export function normalizeWord (punctuated: string): string {
  return punctuated.toLowerCase().replace(EDGE_PUNCT_RE, '')
}

interface Building { text: string, start: number, end: number, probs: number[] }

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, Number.isFinite(x) ? x : lo))

export function tokensToWords (tokens: TranscribedToken[], opts: WordsOptions): WordsResult {
  const duration = Math.max(0, opts.duration)
  const offset = opts.offset ?? 0
  const built: Building[] = []
  let spaceBefore = false
  for (const t of tokens) {
    if (isSpecialToken(t.text)) continue
    const startsWord = spaceBefore || /^\s/.test(t.text)
    const text = t.text.trim()
    spaceBefore = text === ''
    if (text === '') continue
    const last = built[built.length - 1]
    if (last && (!startsWord || PUNCT_ONLY_RE.test(text))) {
      last.text += text
      last.end = Math.max(last.end, t.end)
      last.probs.push(t.probability)
    } else {
      built.push({ text, start: t.start, end: t.end, probs: [t.probability] })
    }
  }
  // a leading punctuation-only word ("-" before anything) joins the word after it
  const first = built[0]
  if (first && built.length > 1 && PUNCT_ONLY_RE.test(first.text)) {
    const second = built[1] as Building
    second.text = first.text + second.text
    second.start = first.start
    second.probs.unshift(...first.probs)
    built.shift()
  }

  const words: Word[] = []
  let prevEnd = 0
  for (const b of built) {
    const word = normalizeWord(b.text)
    if (word === '') continue
    const start = Math.max(clamp(b.start, 0, duration), prevEnd)
    const end = Math.max(clamp(b.end, 0, duration), start)
    prevEnd = end
    const confidence = b.probs.reduce((s, p) => s + clamp(p, 0, 1), 0) / b.probs.length
    words.push({ word, start: start + offset, end: end + offset, confidence, punctuated_word: b.text })
  }
  return {
    words,
    transcript: words.map((w) => w.punctuated_word).join(' '),
    plainTranscript: words.map((w) => w.word).join(' '),
    confidence: words.length === 0 ? 0 : words.reduce((s, w) => s + w.confidence, 0) / words.length
  }
}

/** All segments' tokens as one word list (whisper's segment boundaries need not fall between words). */
export function segmentsToWords (segments: TranscribedSegment[], opts: WordsOptions): WordsResult {
  return tokensToWords(segments.flatMap((s) => s.tokens), opts)
}
