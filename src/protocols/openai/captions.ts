/**
 * SRT and WebVTT captions, one cue per whisper segment as OpenAI's `srt` / `vtt` formats give them. Writing and
 * timestamp formatting are the `subtitle` library's; what is ours is making cue text safe for both formats: a
 * blank line ends a cue and `-->` is reserved in WebVTT, so neither may survive into the text.
 */
import { stringifySync, type Node } from 'subtitle'

export interface CaptionCue {
  /** seconds */
  start: number
  end: number
  text: string
}

function cueText (text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').replace(/-->/g, '->').trim()
}

function nodes (cues: readonly CaptionCue[]): Node[] {
  const out: Node[] = []
  for (const cue of cues) {
    const text = cueText(cue.text)
    if (text === '') continue
    const start = Math.max(0, Math.round(cue.start * 1000))
    out.push({ type: 'cue', data: { start, end: Math.max(start, Math.round(cue.end * 1000)), text } })
  }
  return out
}

/** SubRip: numbered cues, `00:00:01,000 --> 00:00:02,500`; no cues gives an empty document. */
export function toSrt (cues: readonly CaptionCue[]): string {
  return stringifySync(nodes(cues), { format: 'SRT' })
}

/** WebVTT: the `WEBVTT` header (always, even without cues), then cues timed `00:00:01.000 --> 00:00:02.500`. */
export function toVtt (cues: readonly CaptionCue[]): string {
  return stringifySync([{ type: 'header', data: 'WEBVTT' }, ...nodes(cues)], { format: 'WebVTT' })
}
