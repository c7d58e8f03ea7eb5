/**
 * Spoken numbers -> digits ("twenty five" -> "25", "nine hundredth" -> "900th", "three point five" -> "3.5").
 *
 * The number grammar is number-words.ts; this file is the glue that works on timed words: it finds runs of number
 * words, and asks the grammar for the longest prefix of a run that is ONE number ("nine two eight" is three
 * numbers, 9 2 8, as Deepgram's numerals writes them; "one hundred twenty three" is one). Each number becomes one
 * token spanning its words' times.
 */
import { parseNumberWords } from './number-words.ts'
import { breaksAfter, endsSentence, key, merge, type Tok } from './tokens.ts'
import {
  CARDINAL_WORDS, CURRENCIES, DIGIT_WORDS, MEASUREMENT_UNITS, MERIDIEM, MINOR_UNITS, MONTHS, ORDINAL_WORDS,
  DETERMINERS, PERCENT_WORDS, PRONOUN_ONE_AFTER, PRONOUN_ONE_BEFORE, SCALE_WORDS, SMALL_ORDINALS
} from './vocabulary.ts'

/**
 * numerals: every number (Deepgram's numerals). smart: as smart_format reads best — lone numbers below ten stay
 * words ("two kids") unless money, a time, a unit, a date or a digit-by-digit sequence needs the digit. units: only
 * a number that a measurement unit follows (measurements without numerals or smart_format).
 */
export type NumberMode = 'numerals' | 'smart' | 'units'

interface Span { from: number, to: number, value: number, ordinal: boolean, parts: string[] }

/** The number words a token is made of ("twenty-five" -> twenty, five), or null. */
function numberParts (t: Tok): string[] | null {
  const k = key(t)
  if (k === '') return null
  const parts = k.split('-')
  return parts.every((p) => CARDINAL_WORDS.has(p) || ORDINAL_WORDS.has(p)) ? parts : null
}

const isOrdinal = (parts: string[]): boolean => ORDINAL_WORDS.has(parts[parts.length - 1] as string)

/** Longest run of words read as one number ("two hundred thirty four thousand five hundred and sixty seven" is 11);
 * longer unpunctuated runs (digits read one by one) are cut, which keeps the prefix search linear. */
const MAX_RUN = 16

/** All spoken numbers in `toks`, left to right. */
function findSpans (toks: Tok[]): Span[] {
  const spans: Span[] = []
  let i = 0
  while (i < toks.length) {
    // a run of tokens that may belong to one number: number words, "a"/"point" before one, "and" after a scale
    const run: string[][] = []
    let j = i
    while (j < toks.length && run.length < MAX_RUN) {
      const t = toks[j] as Tok
      const parts = numberParts(t)
      const next = toks[j + 1]
      const nextIsNumber = next !== undefined && numberParts(next) !== null && !breaksAfter(t)
      const prevParts = run[run.length - 1]
      const prevLast = prevParts?.[prevParts.length - 1]
      if (parts !== null) run.push(parts)
      else if (key(t) === 'a' && run.length === 0 && nextIsNumber && SCALE_WORDS.has(numberParts(next)?.[0] ?? '')) run.push(['a'])
      else if (key(t) === 'point' && nextIsNumber && !run.flat().includes('point') &&
        (run.length > 0 || (j > 0 && !endsSentence(toks[j - 1]) && !DETERMINERS.has(key(toks[j - 1]))))) run.push(['point'])
      else if (key(t) === 'and' && nextIsNumber && prevLast !== undefined && SCALE_WORDS.has(prevLast)) run.push(['and'])
      else break
      if (breaksAfter(t) || isOrdinal(run[run.length - 1] as string[])) { j++; break }
      j++
    }
    if (run.length === 0) { i++; continue }
    // longest prefix of the run that is one number
    let found = false
    for (let end = run.length; end > 0; end--) {
      const parts = run.slice(0, end).flat()
      const value = parseNumberWords(parts)
      if (value === null) continue
      spans.push({ from: i, to: i + end, value, ordinal: isOrdinal(parts), parts })
      i += end
      found = true
      break
    }
    if (!found) i++
  }
  return spans
}

export function ordinalSuffix (n: number): string {
  const mod100 = n % 100
  if (mod100 >= 11 && mod100 <= 13) return 'th'
  return ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th'
}

const isUnit = (k: string): boolean => MEASUREMENT_UNITS[k] !== undefined
const isDigitWord = (s: Span): boolean => s.parts.length === 1 && DIGIT_WORDS.has(s.parts[0] as string)

/** Replaces spoken numbers by digits as `mode` says; converted tokens carry `num` and the tokens they replaced. */
export function convertNumbers (toks: Tok[], mode: NumberMode): Tok[] {
  const spans = findSpans(toks)
  const keep = new Set<Span>()
  spans.forEach((s, n) => {
    const before = key(toks[s.from - 1])
    const after = key(toks[s.to])
    const afterMonth = MONTHS.has(before)
    const single = s.parts.length === 1
    if (single && SMALL_ORDINALS.has(s.parts[0] as string) && !afterMonth) return
    if (single && s.value === 1 && (PRONOUN_ONE_BEFORE.has(before) || PRONOUN_ONE_AFTER.has(after))) return
    if (mode === 'numerals') { keep.add(s); return }
    const unitAfter = isUnit(after)
    if (mode === 'units') { if (unitAfter) keep.add(s); return }
    const prev = spans[n - 1]
    const next = spans[n + 1]
    const inDigitRun = isDigitWord(s) && ((next !== undefined && isDigitWord(next) && adjacent(toks, s.to, next.from)) ||
      (prev !== undefined && isDigitWord(prev) && adjacent(toks, prev.to, s.from)))
    const context = unitAfter || afterMonth || CURRENCIES[after] !== undefined || MINOR_UNITS.has(after) ||
      PERCENT_WORDS.has(after) || MERIDIEM[after] !== undefined || hourOfTime(toks, s, next)
    if (!single || s.value >= 10 || s.ordinal || inDigitRun || context) keep.add(s)
  })

  const out: Tok[] = []
  let i = 0
  for (const s of spans) {
    if (!keep.has(s)) continue
    out.push(...toks.slice(i, s.from))
    const src = toks.slice(s.from, s.to)
    const core = s.ordinal ? `${s.value}${ordinalSuffix(s.value)}` : String(s.value)
    out.push(merge(src, core, {
      num: { value: s.value, digit: isDigitWord(s), ordinal: s.ordinal, words: s.parts.length },
      src
    }))
    i = s.to
  }
  out.push(...toks.slice(i))
  return out
}

const isOh = (t: Tok | undefined): boolean => key(t) === 'oh' || key(t) === 'o'

/** Two digits said in one breath: side by side, or with "oh" (zero) between ("five oh one"). */
function adjacent (toks: Tok[], end: number, start: number): boolean {
  const last = toks[end - 1] as Tok
  if (breaksAfter(last)) return false
  if (start === end) return true
  return start === end + 1 && isOh(toks[end]) && !breaksAfter(toks[end] as Tok)
}

/** The hour of a spoken time: "eight thirty seven pm", "eight oh five pm". */
function hourOfTime (toks: Tok[], s: Span, next: Span | undefined): boolean {
  if (next === undefined || MERIDIEM[key(toks[next.to])] === undefined) return false
  return next.from === s.to || (next.from === s.to + 1 && isOh(toks[s.to]))
}

const SMALL: Record<string, number> = Object.fromEntries(
  'zero one two three four five six seven eight nine ten eleven twelve'.split(' ').map((w, i) => [w, i]))

/** The value of a number 0-12 still written as a word ("eight" that smart_format kept as a word). */
export const smallWordValue = (t: Tok | undefined): number | undefined => SMALL[key(t)]

/** The numeric value a token shows: a converted spoken number, or digits whisper wrote ("25", "1,000", "3.5"). */
export function valueOf (t: Tok | undefined): number | undefined {
  if (t === undefined) return undefined
  if (t.num !== undefined) return t.num.value
  if (/^\d{1,3}(,\d{3})+(\.\d+)?$|^\d+(\.\d+)?$/.test(t.core)) return Number(t.core.replaceAll(',', ''))
  return undefined
}
