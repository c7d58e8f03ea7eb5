import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'

/**
 * prom-client only writes the text format; it has no parser. A scrape is therefore checked by Prometheus's own
 * parser, `promtool check metrics` (the Go text parser Prometheus scrapes with, plus its naming lint; .ci/run
 * installs it from Debian's prometheus package), and its values are read back here for the assertions. The two
 * JavaScript parsers on npm were tried and fall short: parse-prometheus-text-format merges the series of a
 * labelled histogram into one, prom2javascript refuses NaN, which the format allows.
 */
export function promtoolProblems (text: string): string[] {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
  if (run.error) throw new Error(`promtool is needed to check /metrics (${run.error.message}); .ci/run shows how to install it`)
  return `${run.stdout}${run.stderr}`.split('\n').filter((l) => l.trim() !== '')
}

interface Sample { name: string, labels: Record<string, string>, value: number }

// name{label="value",…} value — label values may hold \" \\ and \n escapes.
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy

function parseSample (line: string): Sample {
  const match = SAMPLE.exec(line)
  assert.ok(match !== null, `not a sample line: ${line}`)
  const [, name, body = '', raw] = match as unknown as [string, string, string | undefined, string]
  const labels: Record<string, string> = {}
  LABEL.lastIndex = 0
  for (let m = LABEL.exec(body); m !== null; m = LABEL.exec(body)) {
    labels[m[1] as string] = (m[2] as string).replace(/\\(.)/g, (_, c: string) => c === 'n' ? '\n' : c)
    if (LABEL.lastIndex === body.length) break
  }
  assert.ok(body === '' || LABEL.lastIndex === body.length, `bad labels: ${line}`)
  const value = /^[+-]?inf$/i.test(raw) ? (raw.startsWith('-') ? -Infinity : Infinity) : Number(raw.toLowerCase() === 'nan' ? NaN : raw)
  assert.ok(!Number.isNaN(value) || /^nan$/i.test(raw), `bad value: ${line}`)
  return { name, labels, value }
}

/** One scrape: passed through promtool, then indexed by series for the assertions. */
export class Scrape {
  readonly types = new Map<string, string>()
  private readonly samples: Sample[] = []

  readonly text: string
  constructor (text: string) {
    this.text = text
    // prom-client's default metrics keep their historical names (nodejs_active_handles_total is a gauge), which
    // promtool's naming lint flags; earshot's own metrics and the syntax of everything must pass.
    const problems = promtoolProblems(text).filter((p) => !/^(nodejs|process)_\w+ /.test(p))
    assert.deepEqual(problems, [], 'promtool check metrics')
    for (const line of text.split('\n')) {
      if (line.startsWith('# TYPE ')) {
        const [, , name, type] = line.split(' ') as [string, string, string, string]
        assert.ok(!this.types.has(name), `${name} is declared once`)
        this.types.set(name, type)
      } else if (line !== '' && !line.startsWith('#')) {
        this.samples.push(parseSample(line))
      }
    }
  }

  type (family: string): string | undefined {
    return this.types.get(family)
  }

  series (name: string): Sample[] {
    return this.samples.filter((s) => s.name === name)
  }

  /** A counter's or gauge's value; 0 when no series has these labels yet. */
  value (name: string, labels: Record<string, string> = {}): number {
    assert.ok(this.types.has(name.replace(/_(count|sum|bucket)$/, '')) || this.types.has(name), `${name} is missing from the scrape`)
    return this.series(name).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0
  }

  /** A histogram's count and sum for these labels (0 and 0 before its first observation). */
  histogram (name: string, labels: Record<string, string> = {}): { count: number, sum: number } {
    assert.equal(this.type(name), 'histogram', name)
    const count = this.value(`${name}_count`, labels)
    assert.equal(this.value(`${name}_bucket`, { ...labels, le: '+Inf' }), count, `${name}: the +Inf bucket is the count`)
    return { count, sum: this.value(`${name}_sum`, labels) }
  }
}

export async function scrape (fetcher: (path: string, init?: RequestInit) => Promise<Response>, init?: RequestInit): Promise<Scrape> {
  const res = await fetcher('/metrics', init)
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
  return new Scrape(await res.text())
}
