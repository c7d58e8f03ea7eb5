/**
 * The working form of a word while the formatters rewrite the transcript.
 *
 * A whisper word such as `"$25,"` is split into its edge punctuation and its core (`pre: "$"`, `core: "25"`,
 * `post: ","`), so formatters can match on the core and still put the punctuation back. A formatter that joins
 * several words into one ("twenty five" -> "25") uses `merge`, which keeps the first start, the last end and the
 * mean confidence, as Deepgram does for its own formatted entities.
 */
import type { Word } from '../words.ts'

export interface Tok {
  pre: string
  core: string
  post: string
  start: number
  end: number
  confidence: number
  /** `word` is `core` exactly (placeholders, masks, user replacements), not its lower-case form. */
  verbatim?: boolean
  /** Set on tokens made from spoken number words: the value and how it was said. */
  num?: NumInfo
  /** The tokens a number conversion replaced, so a conversion made only to detect numbers can be undone. */
  src?: Tok[]
}

export interface NumInfo {
  value: number
  /** Said as one word from zero to nine ("five"): the pieces of digit-by-digit sequences. */
  digit: boolean
  /** Said as an ordinal ("second", "twenty first"). */
  ordinal: boolean
  /** Number of spoken words it came from. */
  words: number
}

const EDGE_RE = /^([\p{P}\p{S}]*)(.*?)([\p{P}\p{S}]*)$/su

export function toTok (w: Word): Tok {
  const m = EDGE_RE.exec(w.punctuated_word.trim()) as RegExpExecArray
  let [, pre = '', core = '', post = ''] = m
  if (core === '') { core = pre + post; pre = ''; post = '' } // a word that is only symbols stays whole
  return { pre, core, post, start: w.start, end: w.end, confidence: w.confidence }
}

export function toWord (t: Tok): Word {
  return {
    word: t.verbatim === true ? t.core : t.core.toLowerCase(),
    start: t.start,
    end: t.end,
    confidence: t.confidence,
    punctuated_word: t.pre + t.core + t.post
  }
}

/** Lower-case core: what matchers compare. */
export const key = (t: Tok | undefined): string => t === undefined ? '' : t.core.toLowerCase()

/** One token standing for `toks` (non-empty), with the first's leading and the last's trailing punctuation. */
export function merge (toks: Tok[], core: string, extra: Partial<Tok> = {}): Tok {
  const first = toks[0] as Tok
  const last = toks[toks.length - 1] as Tok
  const confidence = toks.reduce((s, t) => s + t.confidence, 0) / toks.length
  return { pre: first.pre, core, post: last.post, start: first.start, end: last.end, confidence, ...extra }
}

/** Punctuation that ends a clause: a number or a phrase never runs across it. */
export const breaksAfter = (t: Tok): boolean => /[.,;:!?\n]/.test(t.post)

const SENTENCE_END_RE = /[.!?]["')\]]*$/

export const endsSentence = (t: Tok | undefined): boolean => t !== undefined && SENTENCE_END_RE.test(t.post)

export function capitalize (t: Tok): Tok {
  if (t.verbatim === true || t.core === '') return t
  return { ...t, core: t.core.charAt(0).toUpperCase() + t.core.slice(1) }
}

/** Deepgram's transcript: punctuated words joined by spaces; a dictated line break takes the place of the space. */
export function joinPunctuated (words: Word[]): string {
  const parts: string[] = []
  let afterBreak = true
  for (const w of words) {
    if (!afterBreak) parts.push(' ')
    parts.push(w.punctuated_word)
    afterBreak = w.punctuated_word.endsWith('\n')
  }
  return parts.join('')
}
