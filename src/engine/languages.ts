/** Language codes whisper.cpp knows (its g_lang table, in token order). 'yue' exists only in large-v3 vocabularies. */
export const WHISPER_LANGUAGES: readonly string[] = [
  'en', 'zh', 'de', 'es', 'ru', 'ko', 'fr', 'ja', 'pt', 'tr', 'pl', 'ca', 'nl', 'ar', 'sv', 'it', 'id', 'hi', 'fi',
  'vi', 'he', 'uk', 'el', 'ms', 'cs', 'ro', 'da', 'hu', 'ta', 'no', 'th', 'ur', 'hr', 'bg', 'lt', 'la', 'mi', 'ml',
  'cy', 'sk', 'te', 'fa', 'lv', 'bn', 'sr', 'az', 'sl', 'kn', 'et', 'mk', 'br', 'eu', 'is', 'hy', 'ne', 'mn', 'bs',
  'kk', 'sq', 'sw', 'gl', 'mr', 'pa', 'si', 'km', 'sn', 'yo', 'so', 'af', 'oc', 'ka', 'be', 'tg', 'sd', 'gu', 'am',
  'yi', 'lo', 'uz', 'fo', 'ht', 'ps', 'tk', 'nn', 'mt', 'sa', 'lb', 'my', 'bo', 'tl', 'mg', 'as', 'tt', 'haw', 'ln',
  'ha', 'ba', 'jw', 'su', 'yue'
]
const KNOWN = new Set(WHISPER_LANGUAGES)

/**
 * Whisper's code for a requested language, or undefined if whisper has none. Accepts Deepgram/BCP-47 style tags
 * ('en-US' -> 'en', 'pt-BR' -> 'pt') and a few common aliases whisper spells differently.
 */
export function whisperLanguage (tag: string): string | undefined {
  const t = tag.trim().toLowerCase().replace(/_/g, '-')
  if (KNOWN.has(t)) return t
  const base = t.split('-')[0] ?? ''
  const alias: Record<string, string> = { iw: 'he', jv: 'jw', nb: 'no', fil: 'tl', zh: 'zh', cmn: 'zh' }
  const code = alias[base] ?? base
  return KNOWN.has(code) ? code : undefined
}
