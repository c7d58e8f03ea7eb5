// Every curl command the README and docs/*.md show, run as written against a real server: a broken example fails
// here. The docs' placeholders are stood in for by one explicit rule each (SUBSTITUTIONS); a command that cannot run
// here is skipped by a named rule (NOT_HERE) and reported as skipped, never dropped silently.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { build, tempDir } from '../helpers/build.ts'
import { startReceiver } from '../helpers/callback-receiver.ts'
import { codeBlocks, docFiles, ROOT, shellCommands, type Command } from '../helpers/markdown.ts'

const run = promisify(execFile)

const SHELL = new Set(['sh', 'bash', 'shell'])
/** The audio the docs name, and the fixture each stands for. */
const AUDIO: Record<string, string> = { 'meeting.wav': 'test/fixtures/audio/jfk-16k-s16.wav' }
/** What the docs' `https://example.com/…` URLs serve: audio for `{"url"}` (anything else is a callback receiver). */
const SERVED: Record<string, { file: string, type: string }> = { '/interview.mp3': { file: 'test/fixtures/audio/jfk-44k.mp3', type: 'audio/mpeg' } }

/** Commands that cannot run here, by rule. */
const NOT_HERE: Array<{ pattern: RegExp, reason: string }> = [
  { pattern: /https?:\/\/(?!localhost:7860|example\.com\/)[^\s'"]+/, reason: 'a remote URL (only localhost:7860 and the https://example.com/ placeholder are stood in for)' }
]

function curlCommands (): { commands: Command[], elsewhere: Command[] } {
  const blocks = docFiles().flatMap(codeBlocks)
  const isCurl = (c: Command): boolean => /^curl\s/.test(c.text)
  return {
    commands: blocks.filter((b) => SHELL.has(b.lang)).flatMap(shellCommands).filter(isCurl),
    // a curl example in a block of another language would escape this test
    elsewhere: blocks.filter((b) => !SHELL.has(b.lang)).flatMap(shellCommands).filter(isCurl)
  }
}

test('curl is installed (the documentation tests run the docs\' examples with it)', async () => {
  await run('sh', ['-c', 'command -v curl']).catch(() => assert.fail('curl is needed to run the docs\' examples: apt-get install curl'))
})

test('every curl command in README.md and docs/*.md answers 2xx from a real server', async (t) => {
  const { commands, elsewhere } = curlCommands()
  assert.deepEqual(elsewhere.map((c) => `${c.file}:${c.line}`), [], 'curl examples outside sh/bash blocks')
  assert.ok(commands.length >= 10, `found only ${commands.length} curl commands`)

  const receiver = await startReceiver(t)
  for (const [path, { file, type }] of Object.entries(SERVED)) receiver.serve(path, readFileSync(join(ROOT, file)), type)
  // the stand-in for example.com listens on loopback, which URL input and callbacks refuse by default
  const app = await build(t, { ALLOW_PRIVATE_URLS: 'true' })
  const key = await app.createKey()
  const out = join(tempDir(t), 'body')

  /** The docs' placeholders, each stood in for by one rule. */
  const SUBSTITUTIONS: Array<[RegExp, string]> = [
    [/(?:http:\/\/)?localhost:7860/g, app.url],
    [/https:\/\/example\.com\//g, `${new URL(receiver.url).origin}/`],
    ...Object.entries(AUDIO).map(([name, fixture]): [RegExp, string] => [new RegExp(`(?<=[@\\s'"])${name.replace('.', '\\.')}\\b`, 'g'), join(ROOT, fixture)])
  ]
  let callbacks = 0
  for (const command of commands) {
    const where = `${command.file}:${command.line}`
    const skip = NOT_HERE.find((rule) => rule.pattern.test(command.text))
    await t.test(where, { skip: skip === undefined ? false : `${skip.reason}: ${command.text}` }, async () => {
      const text = SUBSTITUTIONS.reduce((s, [pattern, value]) => s.replace(pattern, value), command.text)
      assert.doesNotMatch(text, /<key>|<token>|…|\$(?!EARSHOT_KEY\b)[A-Z_]+/, `${where}: a placeholder other than $EARSHOT_KEY`)
      // the command as the docs write it, through a shell, with the status code on stdout and the body aside
      const script = text.replace(/^curl\s/, `curl -sS -o '${out}' -w '%{http_code}' `)
      const { stdout } = await run('sh', ['-c', script], { env: { ...process.env, EARSHOT_KEY: key }, timeout: 60_000 })
        .catch((err: Error & { stderr?: string }) => assert.fail(`${where}: ${command.text}\n${err.stderr ?? err.message}`))
      const body = readFileSync(out, 'utf8').slice(0, 400)
      assert.match(stdout, /^2\d\d$/, `${where}: ${command.text}\nHTTP ${stdout}: ${body}`)
      if (/callback=/.test(command.text)) callbacks++
    })
  }

  // a callback example answers at once; what it promised (the transcript at the callback URL) arrives later
  const delivered = await receiver.waitFor(callbacks)
  assert.ok(callbacks > 0, 'the docs show a callback example')
  for (const r of delivered) assert.ok(typeof (r.body.metadata as { request_id?: unknown } | undefined)?.request_id === 'string', `callback body: ${JSON.stringify(r.body).slice(0, 200)}`)
})
