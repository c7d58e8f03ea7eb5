import { randomUUID } from 'node:crypto'
import type { Word } from '../../transcription/words.ts'

/** Deepgram's default pause (seconds) that ends an utterance. */
export const DEFAULT_UTT_SPLIT = 0.8
/** A pause this long between sentences starts a new paragraph; so does a paragraph reaching the sentence cap. */
const PARAGRAPH_GAP = 1.5
const PARAGRAPH_MAX_SENTENCES = 6

export interface Utterance {
  start: number
  end: number
  confidence: number
  channel: number
  transcript: string
  words: Word[]
  id: string
}

export interface Sentence { text: string, start: number, end: number }
export interface Paragraph { sentences: Sentence[], num_words: number, start: number, end: number }
export interface Paragraphs { transcript: string, paragraphs: Paragraph[] }

const mean = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length)
const textOf = (words: Word[], punctuate: boolean): string => words.map((w) => (punctuate ? w.punctuated_word : w.word)).join(' ')

/** Splits a channel's words into utterances wherever the pause between two words reaches `uttSplit` seconds. */
export function buildUtterances (words: Word[], channel: number, uttSplit: number, punctuate: boolean): Utterance[] {
  const groups: Word[][] = []
  for (const word of words) {
    const current = groups.at(-1)
    const previous = current?.at(-1)
    if (current === undefined || previous === undefined || word.start - previous.end >= uttSplit) groups.push([word])
    else current.push(word)
  }
  return groups.map((group) => ({
    start: (group[0] as Word).start,
    end: (group.at(-1) as Word).end,
    confidence: mean(group.map((w) => w.confidence)),
    channel,
    transcript: textOf(group, punctuate),
    words: group,
    id: randomUUID()
  }))
}

/** Sentences end at a word whose punctuated form ends in . ? or ! (whisper punctuates on its own). */
function sentences (words: Word[]): Word[][] {
  const result: Word[][] = []
  let current: Word[] = []
  for (const word of words) {
    current.push(word)
    if (/[.?!…]["')\]]*$/.test(word.punctuated_word)) {
      result.push(current)
      current = []
    }
  }
  if (current.length > 0) result.push(current)
  return result
}

/** Deepgram's paragraphs: sentences grouped by pauses, and a transcript with a blank line between paragraphs. */
export function buildParagraphs (words: Word[]): Paragraphs {
  const paragraphs: Word[][][] = []
  for (const sentence of sentences(words)) {
    const current = paragraphs.at(-1)
    const lastEnd = current?.at(-1)?.at(-1)?.end
    const gap = lastEnd === undefined ? Number.POSITIVE_INFINITY : (sentence[0] as Word).start - lastEnd
    if (current === undefined || gap >= PARAGRAPH_GAP || current.length >= PARAGRAPH_MAX_SENTENCES) paragraphs.push([sentence])
    else current.push(sentence)
  }
  const built = paragraphs.map((p) => {
    const all = p.flat()
    return {
      sentences: p.map((s) => ({ text: textOf(s, true), start: (s[0] as Word).start, end: (s.at(-1) as Word).end })),
      num_words: all.length,
      start: (all[0] as Word).start,
      end: (all.at(-1) as Word).end
    }
  })
  return { transcript: built.map((p) => `\n${p.sentences.map((s) => s.text).join(' ')}`).join('\n'), paragraphs: built }
}
