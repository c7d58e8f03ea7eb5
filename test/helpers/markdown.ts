/**
 * Just enough Markdown for the documentation tests (test/docs/): the files that document earshot, their fenced
 * code blocks with the line each starts on, their tables, links and inline code, and the anchors GitHub gives
 * their headings. Not a Markdown parser: the docs keep to fences at the start of a line and one-line table rows.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** The user-facing documentation, relative to the root: the README and docs/*.md (not docs/decisions/). */
export function docFiles (): string[] {
  const docs = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)
  return ['README.md', ...docs]
}

export const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8')

export interface CodeBlock {
  file: string
  /** 1-based line of the opening fence */
  line: number
  /** the fence's info string: `sh`, `js`, `json`… ('' for none) */
  lang: string
  lines: string[]
}

export function codeBlocks (file: string): CodeBlock[] {
  const blocks: CodeBlock[] = []
  let open: CodeBlock | undefined
  read(file).split('\n').forEach((text, index) => {
    const fence = /^```(\S*)\s*$/.exec(text)
    if (open === undefined) {
      if (fence !== null) open = { file, line: index + 1, lang: fence[1] ?? '', lines: [] }
    } else if (fence !== null && fence[1] === '') {
      blocks.push(open)
      open = undefined
    } else {
      open.lines.push(text)
    }
  })
  if (open !== undefined) throw new Error(`${file}:${open.line}: unclosed code fence`)
  return blocks
}

/** The file's text outside code fences (each fenced line blanked, so line numbers stay). */
export function prose (file: string): string {
  let inside = false
  return read(file).split('\n').map((text) => {
    if (/^```/.test(text)) { inside = !inside; return '' }
    return inside ? '' : text
  }).join('\n')
}

export interface Command { file: string, line: number, text: string }

/** A shell block's commands: `\` continuations joined, comment lines and blank lines left out. */
export function shellCommands (block: CodeBlock): Command[] {
  const commands: Command[] = []
  let pending: Command | undefined
  block.lines.forEach((text, index) => {
    const line = block.line + 1 + index
    const continued = /\\\s*$/.test(text)
    const body = text.replace(/\\\s*$/, '').trim()
    if (pending === undefined) {
      if (body === '' || body.startsWith('#')) return
      pending = { file: block.file, line, text: body }
    } else {
      pending.text += ` ${body}`
    }
    if (!continued) {
      commands.push(pending)
      pending = undefined
    }
  })
  if (pending !== undefined) commands.push(pending)
  return commands
}

/** Table rows (`| a | b |`) outside code, as trimmed cells; the `| --- |` separator rows left out. */
export function tableRows (file: string): string[][] {
  return prose(file).split('\n')
    .filter((text) => /^\|.*\|\s*$/.test(text) && !/^\|\s*-{3}/.test(text))
    // a cell may hold an escaped pipe (`a\|b`): split only on the others
    .map((text) => text.trim().slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim()))
}

/**
 * The anchors GitHub generates for a file's headings: the heading's text (inline code and links reduced to their
 * text), lower-cased, punctuation removed, spaces to hyphens; a repeated anchor gets -1, -2….
 */
export function headingAnchors (file: string): Set<string> {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  for (const text of prose(file).split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text)
    if (heading === null) continue
    const plain = (heading[1] ?? '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/`|\*/g, '')
    const slug = plain.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    anchors.add(count === 0 ? slug : `${slug}-${count}`)
  }
  return anchors
}

export interface Link { file: string, line: number, target: string }

/** Inline links `[text](target)` outside code (fenced and inline). */
export function links (file: string): Link[] {
  return prose(file).split('\n').flatMap((text, index) =>
    [...text.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)].map((m) => ({ file, line: index + 1, target: m[1] as string })))
}

/** Inline code spans outside fenced blocks. */
export function inlineCode (file: string): Array<{ line: number, code: string }> {
  return prose(file).split('\n').flatMap((text, index) =>
    [...text.matchAll(/`([^`]+)`/g)].map((m) => ({ line: index + 1, code: m[1] as string })))
}
