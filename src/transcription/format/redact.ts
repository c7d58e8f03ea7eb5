/**
 * redact: sensitive numbers and addresses become Deepgram's placeholders, the entity type and how many times it was
 * seen: "[CREDIT_CARD_1]", "[SSN_2]" (docs: Redaction, Results). A placeholder is one word spanning the times of all
 * the words it hides, in `word`, `punctuated_word` and the transcript alike.
 *
 * Values, as Deepgram documents them: `pci` (credit card number, expiration date, CVV), `ssn`, `numbers` or `true`
 * (any sequence of three or more numerals, labelled by the entity it looks like, NUMERICAL_PII otherwise),
 * plus the dates and ages of Deepgram's numbers group, `aggressive_numbers` (every numeral), and single entity types
 * (`credit_card`, `credit_card_expiration`, `cvv`, `ssn`, `phone_number`, `email_address`, `healthcare_number`,
 * `date`, `age`, `numerical_pii`). `pii` and `phi` redact the entities of their groups
 * that have a recognisable form (SSNs, phone numbers, e-mail addresses, and for phi medical record numbers); names,
 * places and conditions need Deepgram's entity model and are not found here.
 *
 * Numbers are found whether whisper wrote digits or words: spoken numbers are converted to find them, and put back
 * as spoken where nothing was redacted and numerals were not asked for. Counters restart with each call, so on a
 * live stream they count within one result.
 */
import { convertNumbers } from './numbers.ts'
import { addresses } from './smart.ts'
import { key, merge, type Tok } from './tokens.ts'
import { MONTHS } from './vocabulary.ts'

type Entity = 'credit_card' | 'credit_card_expiration' | 'cvv' | 'ssn' | 'phone_number' | 'email_address' |
  'healthcare_number' | 'numerical_pii' | 'date' | 'age'

interface Plan { entities: Set<Entity>, minDigits: number | null }

const GROUPS: Record<string, Entity[]> = {
  pci: ['credit_card', 'credit_card_expiration', 'cvv'],
  pii: ['ssn', 'phone_number', 'email_address'],
  phi: ['ssn', 'phone_number', 'email_address', 'healthcare_number']
}
const ENTITIES = new Set<string>(['credit_card', 'credit_card_expiration', 'cvv', 'ssn', 'phone_number', 'email_address',
  'healthcare_number', 'numerical_pii', 'date', 'age'])
/** Entities of Deepgram's numbers group redacted even when shorter than three numerals ("November 2", "42 years old"). */
const NUMBERS_GROUP = new Set<Entity>(['date', 'age'])

export function redactionPlan (values: string[]): Plan {
  const entities = new Set<Entity>()
  let minDigits: number | null = null
  for (const raw of values) {
    const v = raw.trim().toLowerCase()
    if (v === 'numbers' || v === 'true') minDigits = Math.min(minDigits ?? 3, 3)
    else if (v === 'aggressive_numbers') minDigits = 1
    else if (GROUPS[v] !== undefined) GROUPS[v].forEach((e) => entities.add(e))
    else if (ENTITIES.has(v)) entities.add(v as Entity)
  }
  return { entities, minDigits }
}

const NUMERIC_RE = /^\d[\d\-/.,:]*(st|nd|rd|th)?$/i

function luhn (d: string): boolean {
  let sum = 0
  for (let i = 0; i < d.length; i++) {
    let n = Number(d[d.length - 1 - i])
    if (i % 2 === 1) { n *= 2; if (n > 9) n -= 9 }
    sum += n
  }
  return sum % 10 === 0
}

/** What a run of numerals looks like, from its digits, its written form and the words just before it. */
function classify (digits: string, written: string, before: string, after: string): Entity {
  const near = (re: RegExp): boolean => re.test(before)
  const n = digits.length
  if (n <= 3 && (/^(years?|yrs?) (old|of age)\b/.test(after) || /\b(age|aged)$/.test(before))) return 'age'
  if (/^\d{1,2}\/\d{1,2}\/(\d{2}|\d{4})$/.test(written) && !near(/\bexpir/)) return 'date'
  if (near(/\b(cvv|cvc|cv|cv2|security code|card code)\b/) && n >= 3 && n <= 4) return 'cvv'
  if (near(/\b(expir\w*|exp|valid (thru|through))\b/) && n >= 3 && n <= 6) return 'credit_card_expiration'
  if (/^\d{3}-\d{2}-\d{4}$/.test(written) || (n === 9 && near(/\b(social security|ssn|social)\b/))) return 'ssn'
  if (n >= 13 && n <= 19 && (luhn(digits) || near(/\b(card|visa|mastercard|amex|credit|debit)\b/))) return 'credit_card'
  if (n === 10 || (n === 11 && digits.startsWith('1')) || /^\(?\d{3}\)?[-. ]?\d{3}-\d{4}$/.test(written) ||
    (n >= 7 && n <= 11 && near(/\b(phone|call|cell|mobile|telephone)\b/))) return 'phone_number'
  if (n >= 5 && near(/\b(medical record|mrn|member id|policy|insurance|patient id)\b/)) return 'healthcare_number'
  return 'numerical_pii'
}

const PLACEHOLDER_RE = /^\[[A-Z_]+_\d+\]$/
const EMAIL_RE = /^[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}$/u
const numeric = (t: Tok): boolean => NUMERIC_RE.test(t.core)
/** Numerals read as one sequence may be separated by commas or dashes ("4444, 9999"), not by a sentence end. */
const continues = (t: Tok): boolean => /^[,\-/]?$/.test(t.post)

export function redact (input: Tok[], values: string[]): Tok[] {
  const plan = redactionPlan(values)
  if (plan.entities.size === 0 && plan.minDigits === null) return input
  const original = new Set(input)
  // find numbers and addresses however they were said; what is not redacted goes back as it was
  const numbers = convertNumbers(input, 'numerals')
  const toks = plan.entities.has('email_address') ? addresses(numbers) : numbers
  const counters = new Map<string, number>()
  const placeholder = (e: Entity): string => {
    const label = e.toUpperCase()
    const n = (counters.get(label) ?? 0) + 1
    counters.set(label, n)
    return `[${label}_${n}]`
  }

  const out: Tok[] = []
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as Tok
    if (EMAIL_RE.test(t.core) && plan.entities.has('email_address')) {
      out.push(hide([t], placeholder('email_address')))
      continue
    }
    const date = readDate(toks, i)
    if (date > i && (plan.minDigits !== null || plan.entities.has('date'))) {
      out.push(hide(toks.slice(i, date), placeholder('date')))
      i = date - 1
      continue
    }
    if (!numeric(t)) {
      // numerals inside a word ("AB1234", "1Z57A2B") count as well; placeholders already made do not
      const alnum = plan.minDigits !== null && !PLACEHOLDER_RE.test(t.core) &&
        new RegExp(`\\d{${plan.minDigits}}`).test(t.core)
      out.push(alnum ? hide([t], placeholder('numerical_pii')) : t)
      continue
    }
    let j = i
    while (j + 1 < toks.length && numeric(toks[j + 1] as Tok) && continues(toks[j] as Tok)) j++
    const run = toks.slice(i, j + 1)
    const digits = run.map((r) => r.core.replace(/\D/g, '')).join('')
    const written = run.map((r) => r.core).join(' ')
    const before = out.slice(-8).map(key).join(' ')
    const after = toks.slice(j + 1, j + 4).map(key).join(' ')
    const entity = classify(digits, written, before, after)
    const byNumbers = plan.minDigits !== null && (digits.length >= plan.minDigits || NUMBERS_GROUP.has(entity))
    if (byNumbers || plan.entities.has(entity)) out.push(hide(run, placeholder(entity)))
    else out.push(...run)
    i = j
  }
  // spoken numbers and addresses joined only to be found go back to the words that were said
  const restore = (t: Tok): Tok[] => t.src !== undefined && !original.has(t) ? t.src.flatMap(restore) : [t]
  return out.flatMap(restore)
}

const DAY_RE = /^([12]?\d|3[01])(st|nd|rd|th)?$/i

/** A month with its day, and the year if said ("November 2, 2022"): the end of it, or `i` when there is none. */
function readDate (toks: Tok[], i: number): number {
  const month = toks[i] as Tok
  const day = toks[i + 1]
  if (!MONTHS.has(key(month)) || /[.;:!?]/.test(month.post) || day === undefined || !DAY_RE.test(day.core)) return i
  const year = toks[i + 2]
  return year !== undefined && /^\d{4}$/.test(year.core) && !/[.;:!?]/.test(day.post) ? i + 3 : i + 2
}

function hide (run: Tok[], text: string): Tok {
  const last = run[run.length - 1] as Tok
  return merge(run, text, { pre: '', post: /[.,;:!?]+$/.exec(last.post)?.[0] ?? '', verbatim: true, num: undefined, src: undefined })
}
