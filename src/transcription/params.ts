import { z } from 'zod'

/** Deepgram's boolean query parameters: the strings `true` and `false`, nothing else. */
export const flag = z.enum(['true', 'false']).transform((v) => v === 'true')

/** A query parameter that may be given once or repeated (`keyterm=a&keyterm=b`). */
export const repeated = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]))

/** keyterm values and keywords (`word:intensifier`) become whisper's initial prompt, for REST and live alike. */
export function promptFromTerms (query: { keyterm?: string[] | undefined, keywords?: string[] | undefined }): string | undefined {
  const terms = [...(query.keyterm ?? []), ...(query.keywords ?? []).map((k) => k.replace(/:-?\d+(\.\d+)?$/, ''))]
    .map((t) => t.trim()).filter((t) => t !== '')
  return terms.length === 0 ? undefined : terms.join(', ')
}
