// The linter (`npm run lint`; `npm test` runs it too once switched on in scripts/run-tests.mjs): neostandard, the
// standard style fastify's own projects use (no semicolons, single quotes, a space before a function's parentheses),
// TypeScript included, tuned below to what the code deliberately does.
import globals from 'globals'
import neostandard, { resolveIgnoresFromGitignore } from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: [...resolveIgnoresFromGitignore(), 'native/**'] }),
  {
    rules: {
      // Wrapped objects keep several short properties to a line (tables of types, option bags up to the line width).
      '@stylistic/object-property-newline': 'off',
      // `void promise;` marks a promise deliberately not awaited (its rejection is handled where it is made).
      'no-void': ['error', { allowAsStatement: true }],
      // Loops that wait for a flag a callback sets (`while (!reported) …`): the rule cannot see the callback.
      'no-unmodified-loop-condition': 'off'
    }
  },
  {
    // The playground page's scripts run in the browser, its PCM capture in an AudioWorklet.
    files: ['public/**/*.js'],
    languageOptions: { globals: { ...globals.browser } }
  },
  {
    files: ['public/**/*-worklet.js'],
    languageOptions: { globals: { ...globals.audioWorklet } }
  }
]
