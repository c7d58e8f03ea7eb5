// The synthetic models the benchmarks run (scripts/generate-model.mjs: real tensor shapes, so real compute cost),
// generated once into bench/.cache and keyed by the generator's source, like test/helpers/models.ts.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateModel } from '../../scripts/generate-model.mjs'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** Path of the cached synthetic model for `arch`, generated first when missing (~78 MB tiny.en, ~148 MB base.en). */
export function modelPath (arch: 'tiny.en' | 'base.en', onGenerate: (msg: string) => void = () => {}): string {
  const hash = createHash('sha1').update(readFileSync(join(root, 'scripts/generate-model.mjs'))).digest('hex').slice(0, 10)
  const dir = join(root, 'bench/.cache/models', hash)
  const path = join(dir, `ggml-${arch}.bin`)
  if (!existsSync(path)) {
    onGenerate(`generating the synthetic ${arch} model...`)
    mkdirSync(dir, { recursive: true })
    const tmp = `${path}.tmp-${process.pid}`
    generateModel(tmp, { arch })
    renameSync(tmp, path) // a half-written file never looks complete
  }
  return path
}
