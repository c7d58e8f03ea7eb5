/** Word lists shared by the formatters (English; whisper's other languages pass through unchanged). */

const words = (s: string): Set<string> => new Set(s.split(/\s+/).filter(Boolean))

export const DIGIT_WORDS = words('zero one two three four five six seven eight nine')

/** The value of each cardinal number word: what number-words.ts computes with. */
export const CARDINAL_VALUES: Readonly<Record<string, number>> = Object.fromEntries([
  ...`zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen
    eighteen nineteen`.split(/\s+/).map((w, i) => [w, i]),
  ...'twenty thirty forty fifty sixty seventy eighty ninety'.split(' ').map((w, i) => [w, 20 + 10 * i]),
  ['hundred', 1e2], ['thousand', 1e3], ['million', 1e6], ['billion', 1e9], ['trillion', 1e12]
])
export const CARDINAL_WORDS: ReadonlySet<string> = new Set(Object.keys(CARDINAL_VALUES))

/** Each ordinal word and the cardinal it counts to ("twentieth" -> "twenty"). */
export const ORDINAL_CARDINALS: Readonly<Record<string, string>> = {
  first: 'one', second: 'two', third: 'three', fourth: 'four', fifth: 'five', sixth: 'six', seventh: 'seven',
  eighth: 'eight', ninth: 'nine', tenth: 'ten', eleventh: 'eleven', twelfth: 'twelve', thirteenth: 'thirteen',
  fourteenth: 'fourteen', fifteenth: 'fifteen', sixteenth: 'sixteen', seventeenth: 'seventeen',
  eighteenth: 'eighteen', nineteenth: 'nineteen', twentieth: 'twenty', thirtieth: 'thirty', fortieth: 'forty',
  fiftieth: 'fifty', sixtieth: 'sixty', seventieth: 'seventy', eightieth: 'eighty', ninetieth: 'ninety',
  hundredth: 'hundred', thousandth: 'thousand', millionth: 'million', billionth: 'billion'
}
export const ORDINAL_WORDS: ReadonlySet<string> = new Set(Object.keys(ORDINAL_CARDINALS))
/** Ordinals that are also everyday words ("wait a second", "first of all"): converted only after a month. */
export const SMALL_ORDINALS = words('first second third fourth fifth sixth seventh eighth ninth')
export const SCALE_WORDS = words('hundred thousand million billion trillion')

export const MONTHS = words(`january february march april may june july august september october november december
  jan feb mar apr jun jul aug sep sept oct nov dec`)

/** Words before a lone "one" that make it a pronoun ("no one", "the one"), not a number. */
export const PRONOUN_ONE_BEFORE = words('no any some every each the this that which another little only someone')
/** "the point five" is a point being made, not 0.5. */
export const DETERMINERS = words('the a an my your his her its our their this that whose which')
export const PRONOUN_ONE_AFTER = words('of another')

export const CURRENCIES: Record<string, { symbol: string, minor?: string[] }> = {
  dollar: { symbol: '$' },
  dollars: { symbol: '$' },
  bucks: { symbol: '$' },
  euro: { symbol: '€' },
  euros: { symbol: '€' }
}
export const MINOR_UNITS = words('cent cents')
export const PERCENT_WORDS = words('percent')
export const MERIDIEM: Record<string, string> = { am: 'AM', 'a.m': 'AM', pm: 'PM', 'p.m': 'PM' }

/** Deepgram's measurements list (docs: Measurements), singular and plural, both spellings of -re/-er. */
export const MEASUREMENT_UNITS: Record<string, string> = Object.fromEntries(
  ([['milligram', 'mg'], ['centigram', 'cg'], ['gram', 'g'], ['kilogram', 'kg'], ['milliliter', 'ml'],
    ['centiliter', 'cl'], ['liter', 'l'], ['kiloliter', 'kl'], ['millimeter', 'mm'], ['centimeter', 'cm'],
    ['meter', 'm'], ['kilometer', 'km']] as const).flatMap(([unit, abbr]) => {
    const forms = [unit, unit + 's']
    if (unit.endsWith('er')) forms.push(unit.slice(0, -2) + 're', unit.slice(0, -2) + 'res')
    return forms.map((f) => [f, abbr])
  })
)

export const TLDS = words('com org net edu gov io co ai app dev info biz us uk de fr ca au me tv')
/** Words that never name a host ("the dot com bubble" is not "the.com"). */
export const NOT_HOST = words('the a an and or of to in on at for is it this that my your our their')
