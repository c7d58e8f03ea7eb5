import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { validate } from 'dockerfile-utils'

// No Docker engine runs where the tests run, so the Dockerfile is checked statically: the linter VS Code's
// Docker support uses, plus the properties the image promises.
const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8')

test('the Dockerfile lints clean', () => {
  const problems = validate(dockerfile).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)
  assert.deepEqual(problems, [])
})

test('the image is multi-stage, non-root, health-checked, with data and models volumes on port 7860', () => {
  assert.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 2, 'multi-stage')
  assert.match(dockerfile, /^USER node$/m)
  assert.match(dockerfile, /^HEALTHCHECK .*\n? *CMD .*\/health/m)
  assert.match(dockerfile, /^VOLUME \["\/app\/data", "\/app\/models"\]$/m)
  assert.match(dockerfile, /^EXPOSE 7860$/m)
  assert.match(dockerfile, /EARSHOT_WHISPER_CFLAGS=/, 'portable SIMD flags, not the build host CPU')
  const entrypoint = readFileSync(new URL('../scripts/docker-entrypoint.sh', import.meta.url), 'utf8')
  assert.match(entrypoint, /exec node bin\/earshot\.mjs "\$@"/, 'docker run … earshot create --name X reaches the CLI')
})
