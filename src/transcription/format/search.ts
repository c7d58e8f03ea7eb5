/**
 * search: where each query was said, as Deepgram's `results.channels[].search[]` (docs: Search). Deepgram matches
 * sounds; here the match is on the words whisper heard, which is what a text search over a transcript can do: every
 * window of about the query's length is scored by edit distance on normalised text (lower case, no punctuation, with
 * and without spaces, so "face book" finds "Facebook"), and the best non-overlapping windows are the hits,
 * most confident first. Hits below MIN_CONFIDENCE are not reported (Deepgram lists near-zero ones too; they are noise).
 */
import { distance } from 'fastest-levenshtein'
import type { Word } from '../words.ts'

export interface SearchHit { confidence: number, start: number, end: number, snippet: string }
export interface SearchResult { query: string, hits: SearchHit[] }

const MIN_CONFIDENCE = 0.5
const MAX_HITS = 50

const normalise = (s: string): string =>
  s.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}\s']/gu, ' ').replace(/\s+/g, ' ').trim()

function similarity (a: string, b: string): number {
  const score = (x: string, y: string): number => {
    const longest = Math.max(x.length, y.length)
    return longest === 0 ? 0 : 1 - distance(x, y) / longest
  }
  return Math.max(score(a, b), score(a.replaceAll(' ', ''), b.replaceAll(' ', '')))
}

export function searchWords (words: Word[], queries: string[]): SearchResult[] {
  const texts = words.map((w) => normalise(w.word))
  return queries.map((query) => {
    const q = normalise(query)
    const n = q === '' ? 0 : q.split(' ').length
    const candidates: Array<SearchHit & { from: number, to: number }> = []
    if (n > 0) {
      for (let from = 0; from < words.length; from++) {
        for (let len = Math.max(1, n - 1); len <= n + 1 && from + len <= words.length; len++) {
          const snippet = texts.slice(from, from + len).filter(Boolean).join(' ')
          const confidence = similarity(snippet, q)
          if (confidence < MIN_CONFIDENCE) continue
          const first = words[from] as Word
          const last = words[from + len - 1] as Word
          candidates.push({ confidence, start: first.start, end: last.end, snippet, from, to: from + len })
        }
      }
    }
    // best first; among equals the shorter window (tighter times), then the earlier one
    candidates.sort((a, b) => (b.confidence - a.confidence) || ((a.to - a.from) - (b.to - b.from)) || (a.from - b.from))
    const taken: boolean[] = []
    const hits: SearchHit[] = []
    for (const c of candidates) {
      if (hits.length >= MAX_HITS) break
      let free = true
      for (let k = c.from; k < c.to; k++) if (taken[k] === true) { free = false; break }
      if (!free) continue
      for (let k = c.from; k < c.to; k++) taken[k] = true
      hits.push({ confidence: c.confidence, start: c.start, end: c.end, snippet: c.snippet })
    }
    return { query, hits }
  })
}
