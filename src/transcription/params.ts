import { z } from 'zod'

/** Deepgram's boolean query parameters: the strings `true` and `false`, nothing else. */
export const flag = z.enum(['true', 'false']).transform((v) => v === 'true')

/** A query parameter that may be given once or repeated (`keyterm=a&keyterm=b`). */
export const repeated = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]))
