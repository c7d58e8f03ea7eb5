import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const SRC = fileURLToPath(new URL('../src/', import.meta.url))
const files = (dir: string): string[] => readdirSync(dir).flatMap((name) => {
  const path = join(dir, name)
  return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : []
})

test('every coded error is constructed in src/errors.ts, and "shutting down" has one code', () => {
  const elsewhere = files(SRC).filter((f) => !f.endsWith('/src/errors.ts') && readFileSync(f, 'utf8').includes('new AppError('))
  assert.deepEqual(elsewhere.map((f) => f.slice(SRC.length)), [])
  const errors = readFileSync(join(SRC, 'errors.ts'), 'utf8')
  const codes = [...errors.matchAll(/new AppError\(\s*\d+,\s*'([^']+)'/g)].map((m) => m[1])
  assert.ok(codes.includes('SERVER_SHUTTING_DOWN'))
  assert.ok(!codes.includes('SERVICE_UNAVAILABLE'))
  const all = files(SRC).map((f) => readFileSync(f, 'utf8')).join('\n')
  assert.ok(!all.includes("'SERVICE_UNAVAILABLE'"), 'no second code for shutting down')
})
