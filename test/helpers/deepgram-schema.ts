import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'

const schema = JSON.parse(readFileSync(new URL('../fixtures/deepgram/listen-v1-response.schema.json', import.meta.url), 'utf8')) as object

const ajv = new Ajv({ strict: false, allErrors: true })
addFormats.default(ajv)
ajv.addFormat('double', true)
const validate = ajv.compile(schema)

/** Throws with every violation when `body` is not a valid Deepgram ListenV1Response (Deepgram's own schema). */
export function assertListenV1Response (body: unknown): void {
  if (!validate(body)) throw new Error(`not a ListenV1Response: ${ajv.errorsText(validate.errors, { separator: '\n' })}`)
}
