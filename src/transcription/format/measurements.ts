/**
 * measurements: a unit after a number becomes its abbreviation, "33 grams" -> "33 g" (Deepgram docs: Measurements,
 * its units list). Only after a number, so "a few grams" stays as said.
 */
import { key, type Tok } from './tokens.ts'
import { valueOf } from './numbers.ts'
import { MEASUREMENT_UNITS } from './vocabulary.ts'

export function abbreviateUnits (toks: Tok[]): Tok[] {
  return toks.map((t, i) => {
    const abbr = MEASUREMENT_UNITS[key(t)]
    return abbr !== undefined && valueOf(toks[i - 1]) !== undefined ? { ...t, core: abbr } : t
  })
}
