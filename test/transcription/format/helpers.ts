import type { Word } from '../../../src/transcription/words.ts'
import { normalizeWord } from '../../../src/transcription/words.ts'
import { formatTranscript, type TextOptions } from '../../../src/transcription/format/index.ts'
import { DEFAULT_TEXT_OPTIONS } from '../../../src/transcription/plan.ts'

/** Every option off: the plan's defaults (one definition of them). */
export const OFF: TextOptions = { ...DEFAULT_TEXT_OPTIONS }

/** Whisper-like words from text: one word per space, word i at [i, i + 0.5) with confidence 0.9. */
export function words (text: string): Word[] {
  return text.split(' ').filter(Boolean).map((w, i) => ({
    word: normalizeWord(w),
    start: i,
    end: i + 0.5,
    confidence: 0.9,
    punctuated_word: w
  }))
}

export function format (text: string, options: Partial<TextOptions>): ReturnType<typeof formatTranscript> {
  return formatTranscript(words(text), { ...OFF, ...options })
}

export const transcript = (text: string, options: Partial<TextOptions>): string => format(text, options).transcript
