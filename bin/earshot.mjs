#!/usr/bin/env node
// The `earshot` command: Node (24 and later) runs the project's TypeScript itself, by stripping its types.
await import('../src/cli/main.ts')
