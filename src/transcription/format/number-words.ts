/**
 * The value of ONE spoken English number, or null: `["one", "hundred", "and", "five"]` -> 105,
 * `["two", "thousand", "twenty", "six"]` -> 2026, `["three", "point", "one", "four"]` -> 3.14,
 * `["twenty", "first"]` -> 21 (the caller knows it was an ordinal from its last word).
 *
 * Strict on purpose: numbers.ts asks for the longest prefix of a run of number words that is one number, so a
 * phrase that is two numbers ("nine two", "twenty twenty", "nine hundred nine hundred") must give null, never a sum.
 * The grammar, over the words of vocabulary.ts:
 *
 *   number   := integer [ "point" digit+ ] | "point" digit+
 *   integer  := "zero" | group { scale [ "and" ] group } [ scale ]     (scales strictly falling: million > thousand)
 *   group    := [ "a" | 1-99 ] "hundred" [ [ "and" ] 1-99 ] | 1-99  ("twelve hundred" is 1200)
 *   1-99     := one … nineteen | twenty … ninety [ one … nine ]
 *
 * A leading scale word stands for one of it ("a hundred", "hundred and five", "thousand" = 1000). An ordinal may
 * only be the last word ("nine hundredth", "twenty first"), and never with a decimal point.
 */
import { CARDINAL_VALUES, ORDINAL_CARDINALS } from './vocabulary.ts'

const HUNDRED = 100
const THOUSAND = 1000

const value = (w: string | undefined): number | undefined => (w === undefined ? undefined : CARDINAL_VALUES[w])
const isScale = (w: string | undefined): boolean => (value(w) ?? 0) >= THOUSAND

/** One to ninety-nine from `words[i]` on: the value and the index after it, or null. */
function belowHundred (words: string[], i: number): [number, number] | null {
  const v = value(words[i])
  if (v === undefined || v === 0 || v >= HUNDRED) return null
  if (v >= 20 && v % 10 === 0) {
    const unit = value(words[i + 1])
    if (unit !== undefined && unit >= 1 && unit <= 9) return [v + unit, i + 2]
  }
  return [v, i + 1]
}

/** A multiplier's hundreds and what follows them ("five" [hundred [and] twenty]), or the multiplier alone. */
function hundreds (words: string[], [multiplier, i]: [number, number]): [number, number] | null {
  if (words[i] !== 'hundred') return [multiplier, i]
  const v = multiplier * HUNDRED
  const andAt = words[i + 1] === 'and' ? i + 2 : i + 1
  const rest = belowHundred(words, andAt)
  if (rest !== null) return [v + rest[0], rest[1]]
  return andAt === i + 1 ? [v, i + 1] : null // a trailing "and" is not part of the number
}

/** One to 9,999 from `words[i]` on ("twelve hundred" is 1200), or null. */
function group (words: string[], i: number): [number, number] | null {
  const multiplier = belowHundred(words, i)
  return multiplier === null ? null : hundreds(words, multiplier)
}

/** The first group, which may also be "a hundred …", "a thousand …" or a bare scale word ("hundred and five"). */
function leading (words: string[]): [number, number] | null {
  const i = words[0] === 'a' ? 1 : 0
  if (words[i] === 'hundred') return hundreds(words, [1, i])
  if (isScale(words[i])) return [1, i]
  return i === 0 ? group(words, 0) : null
}

/** A whole number made of `words` exactly, or null. */
function integer (words: string[]): number | null {
  if (words.length === 1 && words[0] === 'zero') return 0
  let total = 0
  let lastScale = Infinity
  let i = 0
  while (i < words.length) {
    const g = i === 0 ? leading(words) : group(words, i)
    if (g === null) return null
    const [v, j] = g
    const scale = value(words[j])
    if (j === words.length) return total + v
    if (!isScale(words[j]) || scale === undefined || scale >= lastScale || v >= THOUSAND) return null
    total += v * scale
    lastScale = scale
    i = j + 1
    if (i === words.length) return total
    if (words[i] === 'and') {
      i++
      if (i === words.length) return null
    }
  }
  return total
}

/** The digits after "point": each one word from zero to nine. */
function fraction (words: string[]): string | null {
  if (words.length === 0) return null
  let digits = ''
  for (const w of words) {
    const v = value(w)
    if (v === undefined || v > 9) return null
    digits += String(v)
  }
  return digits
}

export function parseNumberWords (words: readonly string[]): number | null {
  if (words.length === 0) return null
  const parts = [...words]
  const last = parts.length - 1
  const ordinal = ORDINAL_CARDINALS[parts[last] as string]
  if (ordinal !== undefined) parts[last] = ordinal
  if (parts.some((w, n) => n < last && ORDINAL_CARDINALS[w] !== undefined)) return null

  const point = parts.indexOf('point')
  if (point === -1) return integer(parts)
  if (ordinal !== undefined || parts.indexOf('point', point + 1) !== -1) return null
  const whole = point === 0 ? 0 : integer(parts.slice(0, point))
  const digits = fraction(parts.slice(point + 1))
  if (whole === null || digits === null) return null
  // through the decimal string, so "three point one four" is exactly 3.14, not 3 + 0.1 + 0.04
  return Number(`${whole}.${digits}`)
}
