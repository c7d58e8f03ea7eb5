/**
 * Deepgram's text options over whisper's words, one pure function shared by REST and live: punctuate,
 * smart_format, numerals, measurements, dictation, filler_words, replace, profanity_filter, redact and search.
 *
 * Order: fillers and dictation first (they read what was said), then numbers and smart_format's entities, units,
 * find-and-replace, the profanity mask and redaction last, so nothing a later step writes can bring back what
 * redaction hides. Search reads the words as whisper heard them, independent of formatting, as Deepgram's acoustic
 * search is.
 */
import type { Word } from '../words.ts'
import { applyDictation } from './dictation.ts'
import { stripFillers } from './fillers.ts'
import { abbreviateUnits } from './measurements.ts'
import { convertNumbers } from './numbers.ts'
import { maskProfanity } from './profanity.ts'
import { redact } from './redact.ts'
import { applyReplacements } from './replace.ts'
import { searchWords, type SearchResult } from './search.ts'
import { smartFormat } from './smart.ts'
import { joinPunctuated, toTok, toWord } from './tokens.ts'

export type { SearchHit, SearchResult } from './search.ts'

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

export function formatTranscript (words: Word[], options: TextOptions): { words: Word[], transcript: string, search: SearchResult[] } {
  // smart_format implies punctuation (Deepgram docs: Smart Formatting); dictation requires it (docs: Dictation)
  const punctuate = options.punctuate || options.smartFormat
  let toks = words.filter((w) => w.punctuated_word.trim() !== '').map(toTok)
  if (!options.fillerWords) toks = stripFillers(toks)
  if (options.dictation && punctuate) toks = applyDictation(toks)
  // numerals with smart_format: every number in digits, then smart_format's entities over them
  if (options.smartFormat) toks = smartFormat(convertNumbers(toks, options.numerals ? 'numerals' : 'smart'))
  else if (options.numerals) toks = convertNumbers(toks, 'numerals')
  else if (options.measurements) toks = convertNumbers(toks, 'units')
  if (options.measurements) toks = abbreviateUnits(toks)
  if (options.replace.length > 0) toks = applyReplacements(toks, options.replace)
  if (options.profanityFilter) toks = maskProfanity(toks)
  if (options.redact.length > 0) toks = redact(toks, options.redact)

  const out = toks.map(toWord).filter((w) => w.word !== '' || w.punctuated_word !== '')
  return {
    words: out,
    transcript: punctuate ? joinPunctuated(out) : out.map((w) => w.word).join(' '),
    search: options.search.length > 0 ? searchWords(words, options.search) : []
  }
}
