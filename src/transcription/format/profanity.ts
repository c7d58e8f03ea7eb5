/**
 * profanity_filter: a profane word becomes asterisks, one per letter, as Deepgram's documented reply shows
 * (`"word": "****"` in both the words and the transcript; docs: Profanity Filtering). Detection is obscenity's
 * English data set (see docs/libraries.md), run on each word, which also catches inflected and leetspeak forms while leaving
 * words that merely contain a profanity ("Scunthorpe", "assess") alone.
 */
import { englishDataset, englishRecommendedTransformers, RegExpMatcher } from 'obscenity'
import type { Tok } from './tokens.ts'

let matcher: RegExpMatcher | undefined

function isProfane (text: string): boolean {
  matcher ??= new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers })
  return matcher.hasMatch(text)
}

export function maskProfanity (toks: Tok[]): Tok[] {
  const seen = new Map<string, boolean>() // transcripts repeat their words; the matcher is the costly part
  const profane = (text: string): boolean => {
    let hit = seen.get(text)
    if (hit === undefined) { hit = isProfane(text); seen.set(text, hit) }
    return hit
  }
  return toks.map((t) => t.verbatim !== true && profane(t.core)
    ? { ...t, core: '*'.repeat([...t.core].length), verbatim: true }
    : t)
}
