// The docs point at each other and at the code: a moved section, a renamed heading or a moved source file breaks a
// reference silently unless something follows every one of them.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { docFiles, headingAnchors, inlineCode, links, read, ROOT } from '../helpers/markdown.ts'

/** Every Markdown file a link may start from: the docs, the decision records and the benchmarks' README. */
const LINKED = [...docFiles(), ...readdirSync(join(ROOT, 'docs/decisions')).filter((f) => f.endsWith('.md')).map((f) => `docs/decisions/${f}`), 'bench/README.md']

/** Paths the docs name that are not this tree's, each with why. */
const NOT_OURS = new Map([
  ['test/.artifacts/', 'written by the browser tests (gitignored)'],
  ['test/.cache/', 'written by the tests\' model generator (gitignored)'],
  ['src/streaming/', 'the folder src/live/ replaced, named as history'],
  ['src/whisper.cpp', 'a path in whisper.cpp\'s own tree']
])

test('every relative link in the docs reaches an existing file, and its #anchor an existing heading', () => {
  const broken: string[] = []
  let followed = 0
  for (const file of LINKED) {
    for (const link of links(file)) {
      if (/^[a-z]+:/.test(link.target)) continue // https:, mailto:
      const [path = '', anchor] = link.target.split('#')
      const target = path === '' ? file : normalize(join(dirname(file), path))
      followed++
      if (!existsSync(join(ROOT, target))) broken.push(`${file}:${link.line}: ${link.target} (no ${target})`)
      else if (anchor !== undefined && target.endsWith('.md') && !headingAnchors(target).has(anchor)) {
        broken.push(`${file}:${link.line}: ${link.target} (no heading #${anchor} in ${target})`)
      }
    }
  }
  assert.deepEqual(broken, [])
  assert.ok(followed >= 100, `only ${followed} links followed`)
})

test('every repository path the README and docs/*.md name in backticks exists', () => {
  const missing: string[] = []
  for (const file of docFiles()) {
    for (const { line, code } of inlineCode(file)) {
      // a path in the tree (`src/…`, `test/….ts`); not globs, placeholders (NNN, <file>) or prose
      if (!/^(?:src|test|scripts|migrations|native|public|deploy|bench|docs|bin)\/[\w./-]*$/.test(code) || code.includes('NNN')) continue
      if (NOT_OURS.has(code)) continue
      if (!existsSync(join(ROOT, code))) missing.push(`${file}:${line}: ${code}`)
    }
  }
  assert.deepEqual(missing, [])
})

test('every `npm run <script>` the docs name is a script of package.json', () => {
  const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts)
  const named = LINKED.flatMap((file) => [...read(file).matchAll(/npm run ([\w:-]+)/g)].map((m) => ({ file, script: m[1] as string })))
  assert.ok(named.length >= 10, `only ${named.length} npm scripts named`)
  assert.deepEqual(named.filter((n) => !scripts.includes(n.script)).map((n) => `${n.file}: npm run ${n.script}`), [])
})

test('the README stays a guide: at most 400 lines, the reference in docs/', () => {
  const lines = read('README.md').split('\n').length
  assert.ok(lines <= 400, `README.md has ${lines} lines`)
  // each page of docs/ is reachable from the index
  const index = links('docs/README.md').map((l) => normalize(join('docs', l.target.split('#')[0] ?? '')))
  const pages = docFiles().filter((f) => f.startsWith('docs/') && f !== 'docs/README.md')
  assert.deepEqual(pages.filter((p) => !index.includes(p)).map((p) => relative('docs', p)), [], 'pages missing from docs/README.md')
})
