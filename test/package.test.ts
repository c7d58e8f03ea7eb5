import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'

const read = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`../${name}`, import.meta.url), 'utf8')) as Record<string, unknown>

test('allowScripts names every dependency with an install script, and allows those the project relies on', () => {
  const allowScripts = read('package.json').allowScripts as Record<string, boolean>
  const lock = read('package-lock.json').packages as Record<string, { hasInstallScript?: boolean }>
  const withScripts = Object.entries(lock)
    .filter(([path, entry]) => path !== '' && entry.hasInstallScript === true)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length))
  assert.ok(withScripts.length > 0, 'the lock file records install scripts')
  for (const name of withScripts) assert.equal(typeof allowScripts[name], 'boolean', `allowScripts does not name ${name}`)
  // better-sqlite3 fetches or builds its native binding.
  assert.equal(allowScripts['better-sqlite3'], true)
})

test('allowScripts names no package the lock file no longer has (a removed dependency takes its entry along)', () => {
  const allowScripts = read('package.json').allowScripts as Record<string, boolean>
  const lock = read('package-lock.json').packages as Record<string, unknown>
  const installed = new Set(Object.keys(lock).map((path) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)))
  for (const name of Object.keys(allowScripts)) assert.ok(installed.has(name), `allowScripts names ${name}, which package-lock.json does not hold`)
})
