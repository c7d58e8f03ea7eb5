import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'

/** The page's files: plain ES modules, a stylesheet and an AudioWorklet, no build step. */
export const PLAYGROUND_DIR = fileURLToPath(new URL('../../public/playground/', import.meta.url))

// Host header values that can go into a CSP source expression as they are (anything else falls back to 'self').
const SAFE_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/

/**
 * The page loads nothing from elsewhere and posts no forms, so the policy allows only this origin, plus its own
 * WebSocket (older browsers do not count ws: as 'self'). `form-action 'none'`: the key field can never end up in a URL.
 */
export function contentSecurityPolicy (host: string | undefined): string {
  const sockets = host !== undefined && SAFE_HOST.test(host) ? ` ws://${host} wss://${host}` : ''
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${sockets}`,
    "media-src 'self' blob:",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'"
  ].join('; ')
}

function securityHeaders (request: FastifyRequest, reply: FastifyReply): void {
  reply.headers({
    'content-security-policy': contentSecurityPolicy(request.host),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'microphone=(self), camera=(), geolocation=()'
  })
}

const html = { content: { 'text/html': { schema: z.string() } } }

/**
 * GET / (the playground page) and GET /playground/<file> (its assets), outside /v1 and without auth: the page
 * itself is public, everything it calls is authenticated by the key the person enters.
 */
const playgroundRoutes: FastifyPluginAsyncZod = async (fastify) => {
  const assets = new Set(readdirSync(PLAYGROUND_DIR).filter((name) => name !== 'index.html' && !name.startsWith('.')))
  // serve: false — only reply.sendFile (ETag, Last-Modified, ranges, content types); the routes are ours, documented.
  // no-cache: browsers revalidate (a 304) so a server upgrade never leaves a stale page behind.
  await fastify.register(fastifyStatic, { root: PLAYGROUND_DIR, serve: false, cacheControl: false, etag: true, lastModified: true })

  fastify.addHook('onRequest', async (request, reply) => { securityHeaders(request, reply) })

  fastify.get('/', {
    schema: {
      tags: ['playground'],
      summary: 'The playground page: live captions from the microphone and file transcription in the browser',
      security: [],
      response: { 200: { description: 'The page (HTML); it asks for a key and calls /v1 with it', ...html } }
    }
  }, async (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html'))

  fastify.get('/playground/:asset', {
    schema: {
      tags: ['playground'],
      summary: "The playground page's scripts, stylesheet and icon",
      security: [],
      params: z.object({ asset: z.string().describe(`One of: ${[...assets].sort().join(', ')}`) }),
      response: {
        200: {
          description: 'The file, with ETag and Last-Modified',
          content: { 'text/javascript': { schema: z.string() }, 'text/css': { schema: z.string() }, 'image/svg+xml': { schema: z.string() } }
        }
      }
    }
  }, async (request, reply) => {
    if (!assets.has(request.params.asset)) return reply.callNotFound()
    return reply.header('cache-control', 'no-cache').sendFile(request.params.asset)
  })
}

export default playgroundRoutes
