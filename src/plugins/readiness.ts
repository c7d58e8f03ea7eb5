import fp from 'fastify-plugin'

export interface ReadinessCheck {
  name: string
  /** null when ready, otherwise why not (shown by /health). */
  check (): Promise<string | null> | string | null
}

/** Components that must be up before the server takes traffic register here; /health reports on them. */
export class Readiness {
  private readonly checks: ReadinessCheck[] = []

  add (check: ReadinessCheck): void {
    this.checks.push(check)
  }

  async status (): Promise<{ ready: boolean, checks: Record<string, string> }> {
    const results = await Promise.all(this.checks.map(async (c) => {
      try {
        return [c.name, (await c.check()) ?? 'ok'] as const
      } catch (err) {
        return [c.name, `failed: ${(err as Error).message}`] as const
      }
    }))
    return { ready: results.every(([, r]) => r === 'ok'), checks: Object.fromEntries(results) }
  }
}

export default fp(async (fastify) => {
  fastify.decorate('readiness', new Readiness())
}, { name: 'readiness' })

declare module 'fastify' {
  interface FastifyInstance {
    readiness: Readiness
  }
}
