// How a secret may be spelled in a log line: tests look for it in every encoding a logger or a parser could produce.

/** `text` decoded until nothing changes (double encoding included), '+' as a query parser reads it. */
export function fullyDecoded (text: string): string {
  let out = text.replace(/\+/g, ' ')
  for (let i = 0; i < 4; i++) {
    const next = out.replace(/%[0-9a-f]{2}/gi, (e) => decodeURIComponent(e))
    if (next === out) break
    out = next
  }
  return out
}
