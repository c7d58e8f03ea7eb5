// Every JavaScript example of the README and docs/*.md, run as the program a user would copy: Deepgram's SDK v5 and
// v4 (REST and live) and OpenAI's SDK, unmodified, against a real server. Each must exit by itself (a live example
// that never closes its socket hangs and fails) having printed a transcript.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { build } from '../helpers/build.ts'
import { codeBlocks, docFiles, ROOT, shellCommands, type CodeBlock } from '../helpers/markdown.ts'
import { TEST_PHRASE } from '../helpers/models.ts'

const run = promisify(execFile)

/** The audio the examples read, and the fixture each stands for. */
const AUDIO: Record<string, string> = { 'meeting.wav': 'test/fixtures/audio/jfk-16k-s16.wav' }
/** A block whose first line is `// v4` is written for SDK v4, which this project has as the npm alias below. */
const V4 = { marker: /^\/\/ v4\b/, from: "from '@deepgram/sdk'", to: "from '@deepgram/sdk-v4'" }

const blocks = docFiles().flatMap(codeBlocks)
const programs = blocks.filter((b) => b.lang === 'js' || b.lang === 'javascript')

/**
 * What the docs tell the reader to export before running an example (`export OPENAI_BASE_URL=…`), as the test
 * server sees it. EARSHOT_KEY is the key itself: the test sets it.
 */
function documentedEnvironment (url: string, key: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const command of blocks.filter((b) => b.lang === 'sh').flatMap(shellCommands)) {
    const exported = /^export ([A-Z_][A-Z0-9_]*)=(\S+)/.exec(command.text)
    if (exported === null || exported[1] === 'EARSHOT_KEY') continue
    env[exported[1] as string] = (exported[2] as string).replace('http://localhost:7860', url).replace('$EARSHOT_KEY', key)
  }
  return env
}

function program (block: CodeBlock, url: string): string {
  let code = block.lines.join('\n').replaceAll('http://localhost:7860', url)
  for (const [name, fixture] of Object.entries(AUDIO)) code = code.replaceAll(`'${name}'`, JSON.stringify(join(ROOT, fixture)))
  if (V4.marker.test(block.lines[0] ?? '')) code = code.replaceAll(V4.from, V4.to)
  return code
}

test('the docs\' JavaScript examples (Deepgram SDK v5 and v4, REST and live; OpenAI SDK) run and print transcripts', async (t) => {
  assert.ok(programs.length >= 4, `found only ${programs.length} js blocks`)
  const app = await build(t)
  const key = await app.createKey()
  const env: NodeJS.ProcessEnv = { ...process.env, ...documentedEnvironment(app.url, key), EARSHOT_KEY: key }
  assert.equal(env.OPENAI_BASE_URL, `${app.url}/v1`, 'the docs export OPENAI_BASE_URL')

  for (const block of programs) {
    const where = `${block.file}:${block.line}`
    await t.test(where, async () => {
      // resolved from the repository, as `npm install` in the user's project would; ESM, top-level await
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', program(block, app.url)], { cwd: ROOT, env, timeout: 60_000 })
        .catch((err: Error & { stdout?: string, stderr?: string, killed?: boolean }) =>
          assert.fail(`${where}: ${err.killed === true ? 'did not exit within 60 s (a socket left open?)' : 'failed'}\n${err.stdout ?? ''}\n${err.stderr ?? err.message}`))
      // the synthetic model says TEST_PHRASE for any speech: printed means transcribed
      assert.ok(stdout.includes(TEST_PHRASE), `${where} printed no transcript:\n${stdout}`)
      if (/\.(connect|live)\(/.test(block.lines.join('\n'))) assert.match(stdout, /closed 1000/, `${where}: the live session ends with a normal close`)
    })
  }
})
