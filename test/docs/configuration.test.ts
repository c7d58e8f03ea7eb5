// The configuration reference against the one source of truth, the zod schema in src/config.ts: a setting added
// without documenting it (in docs/configuration.md and .env.example), a documented setting that no longer exists,
// or a default the docs state wrongly fails here.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseEnv } from 'node:util'
import type { z } from 'zod'
import { configSchema, loadConfig } from '../../src/config.ts'
import { read, tableRows } from '../helpers/markdown.ts'

const SCHEMA_KEYS = Object.keys(configSchema.shape).sort()
const field = (key: string): z.ZodType => (configSchema.shape as Record<string, z.ZodType>)[key] as z.ZodType

interface Row { key: string, default: string }

/** Rows of a settings table: first cell one or more `KEY`s joined by ` / `, second cell their defaults likewise. */
function settingsRows (file: string): Row[] {
  return tableRows(file).flatMap((cells) => {
    const names = [...(cells[0] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1] as string)
    if (names.length === 0) return []
    const defaults = (cells[1] ?? '').split(' / ')
    return names.map((key, i) => ({ key, default: names.length === defaults.length ? (defaults[i] ?? '').trim() : '' }))
  })
}

const envExampleKeys = (): string[] =>
  read('.env.example').split('\n').flatMap((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1] ?? []).sort()

test('docs/configuration.md documents every setting of the schema, and only those, once each', () => {
  const documented = settingsRows('docs/configuration.md').map((r) => r.key)
  assert.deepEqual(SCHEMA_KEYS.filter((k) => !documented.includes(k)), [], 'settings in src/config.ts missing from docs/configuration.md')
  assert.deepEqual([...new Set(documented)].filter((k) => !SCHEMA_KEYS.includes(k)), [], 'documented settings src/config.ts does not have')
  assert.deepEqual(documented.filter((k, i) => documented.indexOf(k) !== i), [], 'settings documented twice')
})

test('.env.example lists every setting of the schema, and only those, once each', () => {
  const listed = envExampleKeys()
  assert.deepEqual(SCHEMA_KEYS.filter((k) => !listed.includes(k)), [], 'settings missing from .env.example')
  assert.deepEqual(listed.filter((k) => !SCHEMA_KEYS.includes(k)), [], '.env.example keys src/config.ts does not have')
  assert.deepEqual(listed.filter((k, i) => listed.indexOf(k) !== i), [], 'keys listed twice')
  // as shipped (every value blank), it is a valid configuration: all defaults
  assert.deepEqual(loadConfig(parseEnv(read('.env.example'))), loadConfig({}))
})

test('every default written as a literal in the configuration tables is the schema\'s default', () => {
  const checked: string[] = []
  for (const file of ['docs/configuration.md', 'README.md']) {
    for (const row of settingsRows(file)) {
      assert.ok(SCHEMA_KEYS.includes(row.key), `${file}: ${row.key} is not a setting`)
      // `10s`, `0.0.0.0`, `0` (off)…; prose defaults (100 MiB, "threshold − 0.15") are not literals
      const literal = /^`([^`]+)`/.exec(row.default)?.[1]
      if (literal === undefined) continue
      const schema = field(row.key)
      assert.deepEqual(schema.parse(literal), schema.parse(undefined), `${file}: ${row.key} default \`${literal}\``)
      checked.push(row.key)
    }
  }
  // the test must have read the tables, not found nothing to check
  assert.ok(checked.length >= 50, `only ${checked.length} defaults checked`)
})
