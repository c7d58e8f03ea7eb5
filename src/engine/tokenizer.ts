/**
 * whisper.cpp's tokenizer, in JavaScript, over the vocabulary read from the model file: what turns a prompt
 * (OpenAI `prompt`, Deepgram keyterms) into the token ids whisper is given as `prompt_tokens`.
 *
 * Why not whisper's own (whisper_tokenize, which whisper_full runs on a text `initial_prompt`): it splits words
 * with a std::regex whose matcher recurses once per character, so a prompt of some tens of KB without spaces
 * overflows the decode thread's stack and kills the process; and it matches each word by trying every substring
 * from the longest, cubic in the word's length (10 KB without spaces held a decode slot for ~12 s). This is the
 * same algorithm — the same word split (C-locale character classes over the UTF-8 bytes), the same longest-first
 * match — with the match bounded by the vocabulary's longest entry, which makes it linear without changing a single
 * id (test/engine/tokenizer.test.ts compares it with whisper_tokenize). Counting tokens here is also what lets a
 * plan say, before any decode, how much of a prompt whisper will read.
 */
import { readVocabulary, type ModelVocabulary } from './model-file.ts'

/**
 * whisper.cpp's split, `'s|'t|'re|'ve|'m|'ll|'d| ?[[:alpha:]]+| ?[[:digit:]]+| ?[^\s[:alpha:][:digit:]]+|\s+(?!\S)|\s+`,
 * as std::regex runs it in the C locale on bytes: letters are A-Z a-z only, digits 0-9, space the six ASCII
 * whitespace bytes. Spelled out because JavaScript's \s would also match the latin1 characters 0x85 and 0xA0.
 */
const WORDS = /'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^ \t\n\v\f\rA-Za-z0-9]+|[ \t\n\v\f\r]+(?![^ \t\n\v\f\r])|[ \t\n\v\f\r]+/g

export class WhisperTokenizer {
  private readonly ids = new Map<string, number>()
  private readonly longest: number
  /**
   * Prompt tokens whisper reads: the last (n_text_ctx / 2 - 1) of the prompt (whisper_full keeps one place of its
   * half of the context for the token that opens the prompt). 223 for every whisper model.
   */
  readonly window: number

  constructor (vocabulary: ModelVocabulary) {
    let longest = 1
    // in file order, a repeated word keeping its last id, as whisper.cpp's token_to_id map does. The special
    // tokens whisper adds after the file's words ("[_SOT_]", "[_TT_42]"…) are left out: they mix letters and
    // punctuation, so no word of the split can ever equal one.
    vocabulary.words.forEach((word, id) => {
      if (word === '') return
      this.ids.set(word, id)
      if (word.length > longest) longest = word.length
    })
    this.longest = longest
    this.window = Math.max(1, Math.floor(vocabulary.nTextCtx / 2) - 1)
  }

  static async fromFile (path: string): Promise<WhisperTokenizer> {
    return new WhisperTokenizer(await readVocabulary(path))
  }

  /**
   * The ids whisper_tokenize gives `text`: bytes no vocabulary entry covers are skipped, as whisper does, and the
   * text ends at its first NUL, as the C string whisper's API takes does.
   */
  encode (text: string): number[] {
    const nul = text.indexOf('\0')
    const bytes = Buffer.from(nul < 0 ? text : text.slice(0, nul), 'utf8').toString('latin1')
    const out: number[] = []
    for (const [word] of bytes.matchAll(WORDS)) {
      let i = 0
      while (i < word.length) {
        let j = Math.min(word.length, i + this.longest)
        for (; j > i; j--) {
          const id = this.ids.get(word.slice(i, j))
          if (id !== undefined) {
            out.push(id)
            break
          }
        }
        i = j > i ? j : i + 1
      }
    }
    return out
  }
}
