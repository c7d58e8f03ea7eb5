// PLACEHOLDER until branch `textformat` (the real formatting module) is merged: same signature, words passed through.
import type { Word } from '../../engine/words.ts'

export interface TextOptions {
  punctuate: boolean
  smartFormat: boolean
  numerals: boolean
  profanityFilter: boolean
  redact: string[]
  replace: Array<{ find: string, replace: string }>
  search: string[]
  dictation: boolean
  measurements: boolean
  fillerWords: boolean
}

export interface SearchResult { query: string, hits: Array<{ confidence: number, start: number, end: number, snippet: string }> }

export function formatTranscript (words: Word[], options: TextOptions): { words: Word[], transcript: string, search: SearchResult[] } {
  return { words, transcript: words.map((w) => (options.punctuate ? w.punctuated_word : w.word)).join(' '), search: options.search.map((query) => ({ query, hits: [] })) }
}
