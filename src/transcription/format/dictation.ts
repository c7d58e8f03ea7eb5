/**
 * dictation: spoken punctuation commands become marks (Deepgram docs: Dictation, its commands list). The mark goes
 * onto the word before the command, replacing whatever punctuation whisper put there; after a sentence mark the next
 * word is capitalised. Commands are one or two words ("comma", "question mark"); a command with no word before it
 * is dropped, since Deepgram has no punctuation-only words.
 */
import { capitalize, key, type Tok } from './tokens.ts'

const COMMANDS: Array<[string[], string]> = [
  [['new', 'paragraph'], '\n\n'],
  [['new', 'line'], '\n'],
  [['question', 'mark'], '?'],
  [['exclamation', 'mark'], '!'],
  [['exclamation', 'point'], '!'],
  [['full', 'stop'], '.'],
  [['period'], '.'],
  [['comma'], ','],
  [['colon'], ':']
]

const TRAILING_MARKS_RE = /[.,;:!?]+$/

export function applyDictation (toks: Tok[]): Tok[] {
  const out: Tok[] = []
  let capitalizeNext = false
  for (let i = 0; i < toks.length; i++) {
    const hit = COMMANDS.find(([words]) => words.every((w, n) => key(toks[i + n]) === w))
    if (hit !== undefined) {
      const [words, mark] = hit
      const prev = out[out.length - 1]
      if (prev !== undefined) {
        // a line break follows the mark before it ("sir colon new line"); a mark replaces whisper's own
        const kept = mark.startsWith('\n') ? prev.post.replace(/\n+$/, '') : prev.post.replace(TRAILING_MARKS_RE, '')
        out[out.length - 1] = { ...prev, post: kept + mark }
        capitalizeNext = /[.!?\n]$/.test(mark)
      }
      i += words.length - 1
      continue
    }
    const t = toks[i] as Tok
    out.push(capitalizeNext ? capitalize(t) : t)
    capitalizeNext = false
  }
  return out
}
