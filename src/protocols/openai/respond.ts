/**
 * The transcription core's result -> the body of each OpenAI `response_format`, and the stream's events.
 * Pure: the route decides only how to send what these return.
 */
import type { TranscribedSegment } from '../../engine/types.ts'
import { toSrt, toVtt } from './captions.ts'
import { languageName } from './languages.ts'
import type { ResponseFormat } from './schema.ts'
import { buildLogprobs, buildSegments, buildWords, durationUsage, joinedText, tokenUsage } from './verbose.ts'

/** What the core hands the adapter: whisper's segments, the language decoded (ISO code), audio seconds. */
export interface CoreResult {
  segments: TranscribedSegment[]
  language: string
  duration: number
}

export interface ReplyOptions {
  task: 'transcribe' | 'translate'
  /** the temperature the decode ran at */
  temperature: number
  /** verbose_json: which timestamps (none given = segments only, as OpenAI does) */
  granularities: ReadonlyArray<'word' | 'segment'>
  /** include[]=logprobs */
  logprobs: boolean
}

export interface FormattedReply {
  contentType: string
  body: string | Record<string, unknown>
}

const PLAIN = 'text/plain; charset=utf-8'

export function formatReply (format: ResponseFormat, result: CoreResult, options: ReplyOptions): FormattedReply {
  const text = joinedText(result.segments)
  const cues = () => result.segments.map((s) => ({ start: s.start, end: s.end, text: s.text }))
  // text, srt and vtt all come as text/plain from OpenAI; clients read the body as text whatever the format
  switch (format) {
    case 'text':
      return { contentType: PLAIN, body: `${text}\n` }
    case 'srt':
      return { contentType: PLAIN, body: toSrt(cues()) }
    case 'vtt':
      return { contentType: PLAIN, body: toVtt(cues()) }
    case 'verbose_json': {
      const words = options.granularities.includes('word')
      const segments = options.granularities.length === 0 || options.granularities.includes('segment')
      return {
        contentType: 'application/json; charset=utf-8',
        body: {
          task: options.task,
          // a translation's text is English whatever was spoken
          language: options.task === 'translate' ? 'english' : languageName(result.language),
          duration: result.duration,
          text,
          ...(words ? { words: buildWords(result.segments, result.duration) } : {}),
          ...(segments ? { segments: buildSegments(result.segments, { temperature: options.temperature }) } : {}),
          usage: durationUsage(result.duration)
        }
      }
    }
    case 'json':
      return {
        contentType: 'application/json; charset=utf-8',
        body: {
          text,
          ...(options.logprobs ? { logprobs: buildLogprobs(result.segments) } : {}),
          usage: durationUsage(result.duration)
        }
      }
  }
}

/**
 * `transcript.text.delta` events, one per completed segment, whose deltas concatenate to the done event's text
 * (the first loses its leading space, as the joined text does).
 */
export class StreamEvents {
  private emitted = ''

  private readonly logprobs: boolean
  constructor (logprobs: boolean) {
    this.logprobs = logprobs
  }

  /** The delta event for the next segment, or undefined when it adds no text. */
  delta (segment: TranscribedSegment): Record<string, unknown> | undefined {
    const delta = this.emitted === '' ? segment.text.trimStart() : segment.text
    if (delta === '') return undefined
    this.emitted += delta
    return {
      type: 'transcript.text.delta',
      delta,
      ...(this.logprobs ? { logprobs: buildLogprobs([segment]) } : {})
    }
  }

  done (result: CoreResult): Record<string, unknown> {
    return {
      type: 'transcript.text.done',
      text: joinedText(result.segments),
      ...(this.logprobs ? { logprobs: buildLogprobs(result.segments) } : {}),
      usage: tokenUsage(result.segments, result.duration)
    }
  }
}
