/**
 * replace: find-and-replace on whole words and phrases (Deepgram docs: Find and Replace).
 *
 * - A lower-case find matches any capitalisation; a find with capitals matches only that spelling and takes
 *   precedence over a lower-case find of the same words, as Deepgram documents for backwards compatibility.
 * - Longer finds win over shorter ones that start at the same word.
 * - The replacement's words share the matched span's time evenly (Deepgram: one word replaced by three keeps the
 *   first start and divides the time); an empty replacement removes the words. Replacement words keep their case in
 *   `word` too, as in Deepgram's example reply. The match's outer punctuation stays ("Monika," -> "Monica,").
 */
import { key, type Tok } from './tokens.ts'

export interface Replacement { find: string, replace: string }

interface Rule { find: string[], exact: boolean, replace: string[] }

const split = (s: string): string[] => s.trim().split(/\s+/).filter(Boolean)
const bare = (s: string): string => s.replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, '')

function rules (replacements: Replacement[]): Rule[] {
  return replacements
    .map((r) => {
      const find = split(r.find).map(bare).filter(Boolean)
      return { find, exact: find.some((w) => w !== w.toLowerCase()), replace: split(r.replace) }
    })
    .filter((r) => r.find.length > 0)
    // longest first, then capitalised before lower-case
    .sort((a, b) => (b.find.length - a.find.length) || (Number(b.exact) - Number(a.exact)))
}

function matches (toks: Tok[], i: number, rule: Rule): boolean {
  return rule.find.every((w, n) => {
    const t = toks[i + n]
    if (t === undefined || t.verbatim === true) return false
    return rule.exact ? t.core === w : key(t) === w.toLowerCase()
  })
}

export function applyReplacements (toks: Tok[], replacements: Replacement[]): Tok[] {
  const rs = rules(replacements)
  if (rs.length === 0) return toks
  const out: Tok[] = []
  for (let i = 0; i < toks.length; i++) {
    const rule = rs.find((r) => matches(toks, i, r))
    if (rule === undefined) { out.push(toks[i] as Tok); continue }
    const matched = toks.slice(i, i + rule.find.length)
    out.push(...spread(matched, rule.replace))
    i += rule.find.length - 1
  }
  return out
}

function spread (matched: Tok[], words: string[]): Tok[] {
  const first = matched[0] as Tok
  const last = matched[matched.length - 1] as Tok
  const confidence = matched.reduce((s, t) => s + t.confidence, 0) / matched.length
  const step = (last.end - first.start) / Math.max(1, words.length)
  return words.map((w, n) => ({
    pre: n === 0 ? first.pre : '',
    core: w,
    post: n === words.length - 1 ? last.post : '',
    start: first.start + step * n,
    end: n === words.length - 1 ? last.end : first.start + step * (n + 1),
    confidence,
    verbatim: true
  }))
}
