/**
 * profanity_filter: a profane word becomes asterisks, one per letter, as Deepgram's documented reply shows
 * (`"word": "****"` in both the words and the transcript; docs: Profanity Filtering). Detection is obscenity's
 * English data set (see README), run on each word, which also catches inflected and leetspeak forms while leaving
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
  return toks.map((t) => t.verbatim !== true && isProfane(t.core)
    ? { ...t, core: '*'.repeat([...t.core].length), verbatim: true }
    : t)
}
