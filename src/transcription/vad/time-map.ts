/**
 * Maps times in joined audio (speech regions laid end to end, with short silences between) back to the original
 * audio, so word times from a decode of the joined audio are times in the file the client sent.
 */
import { VAD_SAMPLE_RATE } from './settings.ts'

/** One region inside the joined audio: `length` samples at `joinedStart`, taken from `sourceStart`. */
export interface Piece { joinedStart: number, sourceStart: number, length: number }

export class TimeMap {
  /** Pieces in joined order, non-overlapping, joinedStart and sourceStart both increasing. */
  readonly pieces: readonly Piece[]
  constructor (pieces: readonly Piece[]) {
    this.pieces = pieces
    for (let i = 1; i < pieces.length; i++) {
      const a = pieces[i - 1] as Piece
      const b = pieces[i] as Piece
      if (b.joinedStart < a.joinedStart + a.length || b.sourceStart < a.sourceStart + a.length) {
        throw new RangeError('TimeMap pieces must be in order and must not overlap')
      }
    }
  }

  /**
   * The original-audio sample for a joined-audio sample. Inside a piece: the same offset in its source region.
   * In a gap between pieces (silence we inserted): the nearer edge, the previous region's end for the first half
   * and the next region's start for the second, so a word never lands in audio that was skipped. Before the first
   * piece or after the last: clamped to the first start / last end. Non-decreasing in `joined`.
   */
  toSourceSample (joined: number): number {
    const pieces = this.pieces
    if (pieces.length === 0) return 0
    // last piece starting at or before `joined`
    let lo = 0
    let hi = pieces.length - 1
    if (joined < (pieces[0] as Piece).joinedStart) return (pieces[0] as Piece).sourceStart
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if ((pieces[mid] as Piece).joinedStart <= joined) lo = mid
      else hi = mid - 1
    }
    const p = pieces[lo] as Piece
    const offset = joined - p.joinedStart
    if (offset <= p.length) return p.sourceStart + offset
    const next = pieces[lo + 1]
    if (next === undefined) return p.sourceStart + p.length
    const gapMiddle = (p.joinedStart + p.length + next.joinedStart) / 2
    return joined < gapMiddle ? p.sourceStart + p.length : next.sourceStart
  }

  /** Same as toSourceSample, in seconds. */
  toSourceSeconds (joinedSeconds: number, sampleRate: number = VAD_SAMPLE_RATE): number {
    return this.toSourceSample(joinedSeconds * sampleRate) / sampleRate
  }
}
