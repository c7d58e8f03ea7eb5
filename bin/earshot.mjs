#!/usr/bin/env node
// The `earshot` command. The project runs its TypeScript through tsx, so the shim registers it first.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/main.ts')
