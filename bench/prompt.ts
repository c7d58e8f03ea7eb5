// What a prompt costs: POST /v1/listen on jfk.wav (11 s) with no prompt, beside the largest prompts a request may
// carry: Deepgram keyterms filling whisper's 223-token window, and an OpenAI `prompt` of 8192 characters (cut to
// its last 223 tokens), on the real server and a generated tiny.en (real compute). Requests are interleaved round
// by round, so a change in the machine's load hits every row alike; each figure is the median over the rounds.
// Also the probe's pathological prompt (10 KB without spaces), which now gets a 400 before any decode.
// usage: npm run bench:prompt -- [--rounds 9]
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { generateModel } from '../scripts/generate-model.mjs'
import { createKey, listen, startServer } from './prerecorded/server.ts'
import { loadAverage, machine, median, ms, ratio, table } from './prerecorded/stats.ts'
import { SHARED_AUDIO } from './shared-audio.ts'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '9' } } })
const rounds = Number(values.rounds)
const tmp = mkdtempSync(join(tmpdir(), 'earshot-bench-prompt-'))
process.on('exit', () => { rmSync(tmp, { recursive: true, force: true }) })
const modelsDir = join(tmp, 'models')
mkdirSync(modelsDir)
generateModel(join(modelsDir, 'ggml-tiny.en.bin'), { arch: 'tiny.en' })
const jfk = readFileSync(join(SHARED_AUDIO, 'jfk.wav'))
const dbEnv = { DATABASE_PATH: join(tmp, 'bench.db') }
const token = await createKey(dbEnv)
const server = await startServer({
  ...dbEnv, MODELS_DIR: modelsDir, DEFAULT_MODEL: 'tiny.en', AUTO_DOWNLOAD_MODEL: 'false', ENGINE_CONCURRENCY: '1',
  WHISPER_THREADS: '2', RATE_LIMIT_MAX: '1000000000', LOG_LEVEL: 'warn'
})

const sentence = 'And so, my fellow Americans, ask not what your country can do for you, ask what you can do for your country. '
const longText = sentence.repeat(Math.ceil(8192 / sentence.length)).slice(0, 8192).trim()
// the generated vocabulary spends ~8 tokens on a term like these: 28 of them fill the window, as ~80 real keyterms would
const keyterms = Array.from({ length: 28 }, (_, i) => `term${i}`)

async function openAi (prompt: string): Promise<{ ms: number, status: number }> {
  const form = new FormData()
  form.append('file', new Blob([jfk], { type: 'audio/wav' }), 'jfk.wav')
  form.append('model', 'whisper-1')
  if (prompt !== '') form.append('prompt', prompt)
  const started = performance.now()
  const res = await fetch(`${server.base}/v1/audio/transcriptions`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form })
  await res.text()
  return { ms: performance.now() - started, status: res.status }
}

const keytermQuery = new URLSearchParams(keyterms.map((k): [string, string] => ['keyterm', k]))
/** Each row's ratio is against the same protocol's request without a prompt (`base`). */
const variants: Array<{ name: string, base: string, run: () => Promise<number> }> = [
  { name: 'Deepgram, no prompt', base: 'Deepgram, no prompt', run: async () => (await listen(server.base, token, jfk)).ms },
  {
    name: `Deepgram, keyterm x${keyterms.length} (fills the window)`,
    base: 'Deepgram, no prompt',
    run: async () => {
      const started = performance.now()
      const res = await fetch(`${server.base}/v1/listen?${keytermQuery}`, { method: 'POST', headers: { authorization: `Token ${token}`, 'content-type': 'audio/wav' }, body: jfk })
      const body = await res.json() as { metadata?: { warnings?: unknown[] } }
      if (res.status !== 200 || (body.metadata?.warnings ?? []).length > 0) throw new Error(`keyterms did not fit: ${JSON.stringify(body).slice(0, 300)}`)
      return performance.now() - started
    }
  },
  { name: 'OpenAI, no prompt', base: 'OpenAI, no prompt', run: async () => (await openAi('')).ms },
  { name: 'OpenAI, prompt of 8192 characters (last 223 tokens)', base: 'OpenAI, no prompt', run: async () => (await openAi(longText)).ms },
  {
    name: 'OpenAI, 10 KB without spaces (refused: 400)',
    base: 'OpenAI, no prompt',
    run: async () => {
      const r = await openAi('x'.repeat(10_240))
      if (r.status !== 400) throw new Error(`expected a 400, got ${r.status}`)
      return r.ms
    }
  }
]

try {
  for (const v of variants) await v.run() // warm-up: the model's state, the tokenizer's vocabulary
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]))
  for (let r = 0; r < rounds; r++) for (const v of variants) samples.get(v.name)?.push(await v.run())
  const rows = variants.map((v) => {
    const m = median(samples.get(v.name) ?? [])
    return [v.name, ms(m), ratio(m / median(samples.get(v.base) ?? []))]
  })
  process.stdout.write(`${machine()}, load ${loadAverage()}, ${rounds} rounds, tiny.en (generated), jfk.wav 11 s, 2 threads\n\n`)
  process.stdout.write(`${table(['request', 'median', 'ratio to no prompt'], rows)}\n`)
} finally {
  await server.stop()
}
