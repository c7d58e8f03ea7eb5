/**
 * filler_words. Deepgram transcribes fillers only with filler_words=true and otherwise strips the two commonest,
 * "uh" and "um" (docs: Filler Words). Whisper drops fillers on its own, so filler_words=true has nothing to add
 * here; filler_words=false still removes an "uh"/"um" whisper did write, so replies look like Deepgram's.
 */
import { capitalize, key, type Tok } from './tokens.ts'

const STRIPPED = new Set(['uh', 'um'])

export function stripFillers (toks: Tok[]): Tok[] {
  const out: Tok[] = []
  let capitalizeNext = false
  for (const t of toks) {
    if (STRIPPED.has(key(t))) {
      // a sentence that began with "Um," begins with the next word
      capitalizeNext ||= /^\p{Lu}/u.test(t.core) && (out.length === 0 || /[.!?]$/.test(out[out.length - 1]?.post ?? ''))
      continue
    }
    out.push(capitalizeNext ? capitalize(t) : t)
    capitalizeNext = false
  }
  return out
}
