import { test } from 'node:test'
import assert from 'node:assert/strict'
import SwaggerParser from '@apidevtools/swagger-parser'
import { build } from '../helpers/build.ts'

type Operation = { summary?: string, tags?: string[], responses?: Record<string, unknown>, security?: unknown[] }

test('/docs/json is an OpenAPI 3 document listing every route with a summary and tag', async (t) => {
  const { fetch, app } = await build(t, { ENABLE_TEST_TOKEN_ENDPOINT: 'true' })
  const res = await fetch('/docs/json')
  assert.equal(res.status, 200)
  const doc = await res.json() as { openapi: string, paths: Record<string, Record<string, Operation>>, components: { securitySchemes: Record<string, { type: string, in: string, name: string }> } }
  assert.match(doc.openapi, /^3\./)
  // Throws with the first schema violation: the document is valid OpenAPI, not merely JSON.
  await SwaggerParser.validate(structuredClone(doc) as never)
  assert.deepEqual(doc.components.securitySchemes.Token, { ...doc.components.securitySchemes.Token, type: 'apiKey', in: 'header', name: 'Authorization' })

  // Every route the app serves (bar the docs themselves) is documented. printRoutes draws a tree: rebuild paths.
  const served = new Set<string>()
  const stack: string[] = []
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (.+) \(([A-Z, ]+)\)$/.exec(line)
    if (match === null) continue
    const [, indent, segment, methods] = match as unknown as [string, string, string, string]
    const depth = indent.length / 4
    stack.length = depth
    stack.push(segment)
    // printRoutes writes parameters as :name, OpenAPI as {name}
    const path = (stack.join('').replace(/\/$/, '') || '/').replace(/:(\w+)/g, '{$1}')
    if (path.startsWith('/docs')) continue
    for (const method of methods.split(', ')) if (method !== 'HEAD') served.add(`${method.toLowerCase()} ${path}`)
  }
  assert.ok(served.size >= 3, [...served].join())
  for (const route of served) {
    const [method, path] = route.split(' ') as [string, string]
    const operation = doc.paths[path]?.[method]
    assert.ok(operation !== undefined, `${route} missing from /docs/json`)
    assert.ok(operation.summary !== undefined && operation.summary.length > 0, `${route} has no summary`)
    assert.ok((operation.tags?.length ?? 0) > 0, `${route} has no tag`)
    assert.ok(operation.responses?.['200'] !== undefined, `${route} has no 200 response`)
  }
  assert.deepEqual(doc.paths['/health']?.get?.security, [])
  assert.ok(doc.paths['/v1/auth/key']?.get?.responses?.['401'] !== undefined)
})

test('/docs serves Swagger UI', async (t) => {
  const { fetch } = await build(t)
  const res = await fetch('/docs/')
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /text\/html/)
  assert.match(await res.text(), /swagger-ui/i)
})
