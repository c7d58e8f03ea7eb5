/**
 * OpenAI reports `language` in verbose_json as whisper's lower-case English name ("english", "german"), not as the
 * ISO code clients send. These are the names of whisper's own language table (tokenizer LANGUAGES, mirrored by
 * whisper.cpp's g_lang), keyed by the codes in src/engine/languages.ts. Intl.DisplayNames is not used: it spells
 * several differently from whisper ("burmese" for my, "norwegian nynorsk" for nn, "filipino" for tl).
 */
const NAMES: Record<string, string> = {
  en: 'english', zh: 'chinese', de: 'german', es: 'spanish', ru: 'russian', ko: 'korean', fr: 'french', ja: 'japanese',
  pt: 'portuguese', tr: 'turkish', pl: 'polish', ca: 'catalan', nl: 'dutch', ar: 'arabic', sv: 'swedish', it: 'italian',
  id: 'indonesian', hi: 'hindi', fi: 'finnish', vi: 'vietnamese', he: 'hebrew', uk: 'ukrainian', el: 'greek', ms: 'malay',
  cs: 'czech', ro: 'romanian', da: 'danish', hu: 'hungarian', ta: 'tamil', no: 'norwegian', th: 'thai', ur: 'urdu',
  hr: 'croatian', bg: 'bulgarian', lt: 'lithuanian', la: 'latin', mi: 'maori', ml: 'malayalam', cy: 'welsh', sk: 'slovak',
  te: 'telugu', fa: 'persian', lv: 'latvian', bn: 'bengali', sr: 'serbian', az: 'azerbaijani', sl: 'slovenian',
  kn: 'kannada', et: 'estonian', mk: 'macedonian', br: 'breton', eu: 'basque', is: 'icelandic', hy: 'armenian',
  ne: 'nepali', mn: 'mongolian', bs: 'bosnian', kk: 'kazakh', sq: 'albanian', sw: 'swahili', gl: 'galician',
  mr: 'marathi', pa: 'punjabi', si: 'sinhala', km: 'khmer', sn: 'shona', yo: 'yoruba', so: 'somali', af: 'afrikaans',
  oc: 'occitan', ka: 'georgian', be: 'belarusian', tg: 'tajik', sd: 'sindhi', gu: 'gujarati', am: 'amharic',
  yi: 'yiddish', lo: 'lao', uz: 'uzbek', fo: 'faroese', ht: 'haitian creole', ps: 'pashto', tk: 'turkmen', nn: 'nynorsk',
  mt: 'maltese', sa: 'sanskrit', lb: 'luxembourgish', my: 'myanmar', bo: 'tibetan', tl: 'tagalog', mg: 'malagasy',
  as: 'assamese', tt: 'tatar', haw: 'hawaiian', ln: 'lingala', ha: 'hausa', ba: 'bashkir', jw: 'javanese',
  su: 'sundanese', yue: 'cantonese'
}

const CODES = new Map(Object.entries(NAMES).map(([code, name]) => [name, code]))

/** whisper's English name for a language code ('de' -> 'german'); an unknown code is returned unchanged. */
export function languageName (code: string): string {
  return NAMES[code.toLowerCase()] ?? code
}

/**
 * The code for a language given by its English name ('German' -> 'de'), as some OpenAI clients send the name they
 * got back from verbose_json; anything else (codes, BCP-47 tags) is returned as given for the engine to check.
 */
export function languageCode (value: string): string {
  return CODES.get(value.trim().toLowerCase()) ?? value
}
