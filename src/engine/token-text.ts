/**
 * Token bytes -> token strings. Whisper's byte-level BPE can end a token in the middle of a multi-byte UTF-8
 * character (the rest comes with the next token): decoding tokens one by one would give two U+FFFD instead of
 * "é" or "日". Each token's text here is the complete characters available once its bytes arrive; an
 * unfinished character is carried into the next token (whose text then starts with it), so joining the token
 * texts always equals decoding the joined bytes.
 */

/** Length of the complete-character prefix of `b` (an unfinished sequence at the end is left out). */
export function completePrefix (b: Uint8Array): number {
  // look back at most 3 bytes for the lead byte of the last character
  for (let i = b.length - 1; i >= Math.max(0, b.length - 4); i--) {
    const c = b[i] as number
    if ((c & 0xc0) === 0x80) continue // continuation byte
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1
    return i + need > b.length ? i : b.length
  }
  return b.length // only continuation bytes: not a character start we could complete; decode as is
}

/**
 * Texts of consecutive tokens. `carry.pending` holds bytes of an unfinished character from earlier tokens (pass
 * the same object for the tokens of following segments) and is updated.
 */
export function joinTokenBytes (tokens: Uint8Array[], carry: { pending: Uint8Array } = { pending: new Uint8Array(0) }): string[] {
  const decoder = new TextDecoder('utf-8')
  return tokens.map((bytes) => {
    const all = carry.pending.length === 0 ? bytes : concat(carry.pending, bytes)
    const n = completePrefix(all)
    carry.pending = all.slice(n)
    return decoder.decode(all.subarray(0, n))
  })
}

function concat (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}
