import { createHash } from 'node:crypto'

/** Hex SHA-256 of the submitted bytes, as Deepgram reports in `metadata.sha256`. */
export function sha256Hex (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}
