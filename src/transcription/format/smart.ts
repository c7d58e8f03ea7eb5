/**
 * smart_format's entities on top of the converted numbers: years, digit-by-digit sequences and phone numbers,
 * times, money, percentages, dates, e-mail addresses and URLs (Deepgram docs: Smart Formatting). Each rule looks at
 * the words whisper wrote and at the numbers `convertNumbers` made; each joined entity is one token spanning its
 * words' times. Things whisper already wrote in written form ("$25", "8:37 p.m.") are left as they are or only
 * normalised ("8:37 PM").
 */
import { breaksAfter, capitalize, key, merge, type Tok } from './tokens.ts'
import { smallWordValue, valueOf } from './numbers.ts'
import { CURRENCIES, MERIDIEM, MINOR_UNITS, MONTHS, NOT_HOST, PERCENT_WORDS, TLDS } from './vocabulary.ts'

const joined = (a: Tok): boolean => !breaksAfter(a)

/** "twenty twenty two" -> 2022, "nineteen seventy six" -> 1976: two spoken numbers read as a year. */
function years (toks: Tok[]): Tok[] {
  const out: Tok[] = []
  for (let i = 0; i < toks.length; i++) {
    const a = toks[i] as Tok
    const b = toks[i + 1]
    const hi = a.num
    const lo = b?.num
    const dateBefore = MONTHS.has(key(out[out.length - 1])) || MONTHS.has(key(out[out.length - 2])) ||
      ['in', 'since', 'year', 'of'].includes(key(out[out.length - 1]))
    // "twenty oh five", "nineteen oh one"
    const ohDigit = (key(b) === 'oh' || key(b) === 'o') && b !== undefined && joined(b) ? toks[i + 2] : undefined
    const d = ohDigit?.num?.value ?? smallWordValue(ohDigit)
    if (ohDigit !== undefined && hi !== undefined && hi.words === 1 && !hi.ordinal && (hi.value === 19 || hi.value === 20) &&
      joined(a) && d !== undefined && d >= 1 && d <= 9) {
      const value = hi.value * 100 + d
      out.push(merge([a, b as Tok, ohDigit], String(value), { num: { ...hi, value, words: 3 }, src: [a, b as Tok, ohDigit] }))
      i += 2
      continue
    }
    if (b !== undefined && hi !== undefined && lo !== undefined && joined(a) && hi.words === 1 && !hi.ordinal &&
      !lo.ordinal && Number.isInteger(lo.value) && lo.value >= 10 && lo.value <= 99 &&
      ((hi.value === 19 || hi.value === 20) || (dateBefore && hi.value >= 11 && hi.value <= 20))) {
      const value = hi.value * 100 + lo.value
      out.push(merge([a, b], String(value), { num: { ...lo, value, words: 2 }, src: [...(a.src ?? [a]), ...(b.src ?? [b])] }))
      i++
    } else out.push(a)
  }
  return out
}

/** Digits said one by one join into one number ("one two three" -> 123); ten of them read as a phone number. */
function digitSequences (toks: Tok[]): Tok[] {
  const out: Tok[] = []
  for (let i = 0; i < toks.length; i++) {
    const run: Tok[] = []
    let j = i
    while (j < toks.length) {
      const t = toks[j] as Tok
      const isDigit = t.num?.digit === true && !t.num.ordinal
      const isOh = (key(t) === 'oh' || key(t) === 'o') && run.length > 0 && toks[j + 1]?.num?.digit === true
      if (!isDigit && !isOh) break
      run.push(t)
      j++
      if (breaksAfter(t)) break
    }
    if (run.length < 2) { out.push(toks[i] as Tok); continue }
    const digits = run.map((t) => t.num === undefined ? '0' : String(t.num.value)).join('')
    out.push(merge(run, phone(digits), {
      num: { value: Number(digits), digit: false, ordinal: false, words: run.length },
      src: run.flatMap((t) => t.src ?? [t])
    }))
    i = j - 1
  }
  return out
}

/** Groups of three, three and four digits said with pauses ("five five five, two one two, ...") are one phone number. */
function phoneGroups (toks: Tok[]): Tok[] {
  const out: Tok[] = []
  for (let i = 0; i < toks.length; i++) {
    const group = toks.slice(i, i + 3)
    const [a, b, c] = group
    if (a !== undefined && b !== undefined && c !== undefined && a.num !== undefined && b.num !== undefined &&
      c.num !== undefined && /^\d{3}$/.test(a.core) && /^\d{3}$/.test(b.core) && /^\d{4}$/.test(c.core) &&
      /^[,-]?$/.test(a.post) && /^[,-]?$/.test(b.post) && b.pre === '' && c.pre === '') {
      out.push(merge(group, `${a.core}-${b.core}-${c.core}`, { src: group.flatMap((t) => t.src ?? [t]) }))
      i += 2
    } else out.push(toks[i] as Tok)
  }
  return out
}

function phone (d: string): string {
  if (d.length === 10) return `${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`
  if (d.length === 11 && d.startsWith('1')) return `1-${d.slice(1, 4)}-${d.slice(4, 7)}-${d.slice(7)}`
  if (d.length === 7) return `${d.slice(0, 3)}-${d.slice(3)}`
  return d
}

/** Words before a time said without am/pm: "at eight thirty" is 8:30, "eight thirty people" is not a time. */
const TIME_BEFORE = new Set(['at', 'by', 'around', 'until', 'till', 'from', 'before', 'after', 'since', 'about'])

/**
 * "8 37 pm" -> "8:37 PM", "eight pm" -> "8 PM", "at eight thirty" -> "at 8:30", whisper's "8.37 p.m." -> "8:37 PM".
 */
function times (toks: Tok[]): Tok[] {
  const out: Tok[] = []
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as Tok
    const time = readTime(toks, i, TIME_BEFORE.has(key(out[out.length - 1])))
    if (time === null) { out.push(t); continue }
    const { parts, text, next } = time
    const mer = toks[next]
    const meridiem = MERIDIEM[key(mer)]
    if (mer === undefined || meridiem === undefined) {
      out.push(merge(parts, text, { num: undefined }))
      i = next - 1
      continue
    }
    out.push(merge(parts, text, { post: '', num: undefined }))
    // "p.m." keeps its final dot only where it also ends the sentence
    const abbrevDot = key(mer).includes('.') && mer.post.startsWith('.')
    const nextStartsSentence = toks[next + 1] === undefined || /^\p{Lu}/u.test(toks[next + 1]?.core ?? '')
    const post = abbrevDot && !nextStartsSentence ? mer.post.slice(1) : mer.post
    out.push({ ...mer, core: meridiem, post })
    i = next
  }
  return out
}

/** A time starting at `i`: an hour 1-12, minutes if said, and then am/pm unless `bare` times are allowed here. */
function readTime (toks: Tok[], i: number, bare: boolean): { parts: Tok[], text: string, next: number } | null {
  const t = toks[i] as Tok
  const written = /^(\d{1,2})[.:](\d{2})$/.exec(t.core)
  const h = written !== null ? Number(written[1]) : valueOf(t) ?? smallWordValue(t)
  if (h === undefined || !Number.isInteger(h) || h < 1 || h > 12 || t.num?.ordinal === true) return null
  let parts = [t]
  let minutes = written?.[2]
  if (written === null && joined(t)) {
    const n1 = toks[i + 1]
    const n2 = toks[i + 2]
    if ((key(n1) === 'oh' || key(n1) === 'o') && n2 !== undefined && joined(n1 as Tok)) {
      const m = n2.num?.value ?? smallWordValue(n2)
      if (m !== undefined && m >= 1 && m <= 9) { minutes = `0${m}`; parts = [t, n1 as Tok, n2] }
    } else {
      const m = n1?.num?.value
      if (m !== undefined && Number.isInteger(m) && m >= 10 && m <= 59 && n1?.num?.ordinal === false) {
        minutes = String(m); parts = [t, n1 as Tok]
      }
    }
  }
  const next = i + parts.length
  const last = parts[parts.length - 1] as Tok
  const hasMeridiem = MERIDIEM[key(toks[next])] !== undefined && joined(last)
  if (!hasMeridiem && !(bare && minutes !== undefined)) return null
  return { parts, text: minutes === undefined ? String(h) : `${h}:${minutes}`, next }
}

function money (v: number, symbol: string, cents?: number): string {
  const whole = Number.isInteger(v) && v >= 1000 ? v.toLocaleString('en-US') : String(v)
  return symbol + whole + (cents !== undefined ? '.' + String(cents).padStart(2, '0') : '')
}

/** "twenty five dollars (and fifty cents)" -> "$25(.50)", "ten percent" -> "10%". */
function moneyAndPercent (toks: Tok[]): Tok[] {
  const out: Tok[] = []
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as Tok
    const v = valueOf(t)
    const unit = toks[i + 1]
    const currency = CURRENCIES[key(unit)]
    if (v === undefined || unit === undefined || !joined(t) || t.pre !== '') { out.push(t); continue }
    if (currency !== undefined) {
      let parts = [t, unit]
      let cents: number | undefined
      const c = valueOf(toks[i + 3])
      if (key(toks[i + 2]) === 'and' && c !== undefined && Number.isInteger(c) && c < 100 && MINOR_UNITS.has(key(toks[i + 4])) &&
        joined(unit) && joined(toks[i + 2] as Tok) && joined(toks[i + 3] as Tok) && Number.isInteger(v)) {
        cents = c
        parts = toks.slice(i, i + 5)
      }
      out.push(merge(parts, money(v, '', cents), { pre: currency.symbol, num: undefined }))
      i += parts.length - 1
    } else if (PERCENT_WORDS.has(key(unit))) {
      out.push(merge([t, unit], t.core, { post: '%' + unit.post, num: undefined }))
      i++
    } else out.push(t)
  }
  return out
}

/** "november second" -> "November 2", whisper's "November 2nd" -> "November 2". */
function dates (toks: Tok[]): Tok[] {
  return toks.map((t, i) => {
    const month = toks[i - 1]
    if (month === undefined || !MONTHS.has(key(month)) || !joined(month)) return t
    const day = t.num?.value ?? (/^(\d{1,2})(st|nd|rd|th)$/i.exec(t.core) !== null ? parseInt(t.core, 10) : undefined)
    if (day === undefined || !Number.isInteger(day) || day < 1 || day > 31) return t
    return { ...t, core: String(day) }
  }).map((t, i, all) => MONTHS.has(key(t)) && /^\d/.test(all[i + 1]?.core ?? '') ? capitalize(t) : t)
}

/** "write to me at example dot com" is an address after "me at", not me@example.com. */
const PRONOUNS = new Set(['me', 'us', 'him', 'her', 'them', 'you', 'it'])

const SEPARATORS: Record<string, string> = { dot: '.', underscore: '_', dash: '-', hyphen: '-' }

/** "john dot smith at gmail dot com" -> "john.smith@gmail.com"; "www dot example dot com" -> "www.example.com". */
export function addresses (toks: Tok[]): Tok[] {
  const out: Tok[] = []
  for (let i = 0; i < toks.length; i++) {
    const host = readHost(toks, i)
    if (host !== null) {
      // an e-mail: the host follows "at", and the local part (joined by dot/underscore/dash) precedes it
      const at = out[out.length - 1]
      if (key(at) === 'at' && out.length >= 2 && joined(at as Tok)) {
        let k = out.length - 2
        let local = key(out[k])
        while (k >= 2 && SEPARATORS[key(out[k - 1])] !== undefined && joined(out[k - 1] as Tok) && joined(out[k - 2] as Tok)) {
          local = key(out[k - 2]) + (SEPARATORS[key(out[k - 1])] as string) + local
          k -= 2
        }
        const localToks = out.splice(k)
        if (/^[\p{L}\p{N}._-]+$/u.test(local) && !NOT_HOST.has(local) && !PRONOUNS.has(local)) {
          out.push(merge([...localToks, ...host.toks], `${local}@${host.text}`, { verbatim: true, src: [...localToks, ...host.toks] }))
          i = host.next - 1
          continue
        }
        out.push(...localToks)
      }
      out.push(merge(host.toks, host.text, { verbatim: true, src: host.toks }))
      i = host.next - 1
      continue
    }
    out.push(toks[i] as Tok)
  }
  return out
}

/** label (dot label)+ ending in a known top-level domain, read from `i`. */
function readHost (toks: Tok[], i: number): { text: string, toks: Tok[], next: number } | null {
  const labels: string[] = []
  let j = i
  while (j < toks.length) {
    const label = key(toks[j])
    if (!/^[\p{L}\p{N}-]+$/u.test(label) || (labels.length === 0 && NOT_HOST.has(label))) break
    labels.push(label)
    if (key(toks[j + 1]) !== 'dot' || !joined(toks[j] as Tok) || !joined(toks[j + 1] as Tok)) { j++; break }
    j += 2
  }
  const tld = labels[labels.length - 1]
  if (labels.length < 2 || tld === undefined || !TLDS.has(tld)) return null
  return { text: labels.join('.'), toks: toks.slice(i, j), next: j }
}

export function smartFormat (toks: Tok[]): Tok[] {
  return addresses(dates(moneyAndPercent(phoneGroups(digitSequences(times(years(toks)))))))
}
