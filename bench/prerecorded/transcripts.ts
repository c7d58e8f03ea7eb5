// Transcript equality between earshot and an anchor. The synthetic models say meaningless but deterministic text,
// so the same model, audio and settings must give the same words on both sides: a mismatch means the two sides did
// not do the same work (a different window, language, prompt or decoding), and the timings would not compare.

/** Whitespace-insensitive form: whisper.cpp's CLI joins segments with spaces, earshot's transcript with one. */
export const normalize = (s: string): string => s.replace(/\s+/g, ' ').trim()

export class TranscriptCheck {
  private compared = 0
  private readonly mismatches: Array<{ what: string, earshot: string, anchor: string }> = []

  /** Records one pair; returns whether they matched. */
  compare (what: string, earshot: string, anchor: string): boolean {
    this.compared++
    const same = normalize(earshot) === normalize(anchor)
    if (!same) this.mismatches.push({ what, earshot: normalize(earshot), anchor: normalize(anchor) })
    return same
  }

  get ok (): boolean { return this.compared > 0 && this.mismatches.length === 0 }

  /** One line for the report: "yes (12 pairs)" or "NO: 2 of 12 differ; first: ...". */
  describe (): string {
    if (this.compared === 0) return 'not compared'
    if (this.mismatches.length === 0) return `yes (${this.compared} pairs)`
    const m = this.mismatches[0] as { what: string, earshot: string, anchor: string }
    const cut = (t: string): string => t.length > 120 ? `${t.slice(0, 120)}…` : t
    return `NO: ${this.mismatches.length} of ${this.compared} differ; first (${m.what}): earshot "${cut(m.earshot)}", anchor "${cut(m.anchor)}"`
  }
}
