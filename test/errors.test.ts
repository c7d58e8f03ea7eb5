import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as coded from '../src/errors.ts'
import { toOpenAiError } from '../src/protocols/openai/errors.ts'
import { errorBody } from '../src/protocols/deepgram/errors.ts'

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

test('every 5xx renders a fixed message (Deepgram and OpenAI bodies): nothing passed to its constructor reaches it', () => {
  const source = readFileSync(join(SRC, 'errors.ts'), 'utf8')
  const serverCodes = new Set([...source.matchAll(/new AppError\(\s*5\d\d,\s*'([^']+)'/g)].map((m) => m[1]))
  // Arguments a 5xx message may show: the installed model's name, which the client asked for (or its alias did).
  const shown: Record<string, number[]> = { modelInvalid: [0] }
  const rendered = new Map<string, string>()
  for (const [name, make] of Object.entries(coded)) {
    if (typeof make !== 'function' || make === coded.AppError || make === coded.operatorMessage) continue
    for (const secret of ['SECRET-one', 'SECRET-two']) {
      // strings where a message might be built from them, an Error as a cause: none may show
      const args = Array.from({ length: 3 }, (_, i) =>
        shown[name]?.includes(i) === true ? 'base' : i === 2 ? new Error(`${secret} cause`) : `${secret} /var/lib/models/x.bin`)
      const err = (make as (...a: unknown[]) => unknown)(...args)
      if (!(err instanceof coded.AppError) || !(Number.isInteger(err.statusCode) && err.statusCode >= 500)) continue
      const body = errorBody(err, 'req-1')
      assert.ok(!String(body.err_msg).includes('SECRET'), `${name}: ${String(body.err_msg)}`)
      const openAi = toOpenAiError(err).body.error.message
      assert.ok(!openAi.includes('SECRET'), `${name} (OpenAI): ${openAi}`)
      const seen = rendered.get(err.code)
      assert.ok(seen === undefined || seen === body.err_msg, `${err.code} renders differently for different arguments`)
      rendered.set(err.code, String(body.err_msg))
    }
  }
  assert.deepEqual([...rendered.keys()].sort(), [...serverCodes].sort(), 'every 5xx code in src/errors.ts was rendered')
})

test('a 5xx keeps what went wrong for the log: detail and cause, outside the rendered body', () => {
  const cause = new Error('short read at offset 12')
  const err = coded.modelInvalid('base', 'truncated: vocab needs 4 bytes', cause)
  assert.equal(err.statusCode, 500)
  assert.deepEqual(errorBody(err, 'req-1'), { err_code: 'MODEL_INVALID', err_msg: "Model 'base' cannot be loaded.", request_id: 'req-1' })
  assert.equal(err.detail, 'truncated: vocab needs 4 bytes')
  assert.equal(err.cause, cause)
  assert.equal(coded.operatorMessage(err), "Model 'base' cannot be loaded: truncated: vocab needs 4 bytes.")
})
