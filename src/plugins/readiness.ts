import fp from 'fastify-plugin'

/**
 * A check's answer: null when ready (shown as 'ok'), a string when not (why not), or ready with a note instead of
 * 'ok' (e.g. the model check of a replica whose engine is off).
 */
export type CheckResult = null | string | { ready: true, note: string }

export interface ReadinessCheck {
  name: string
  check (): Promise<CheckResult> | CheckResult
}

/** Components that must be up before the server takes traffic register here; /health reports on them. */
export class Readiness {
  private readonly checks: ReadinessCheck[] = []

  add (check: ReadinessCheck): void {
    this.checks.push(check)
  }

  async status (): Promise<{ ready: boolean, checks: Record<string, string> }> {
    const results = await Promise.all(this.checks.map(async (c): Promise<[string, boolean, string]> => {
      try {
        const result = await c.check()
        if (result === null) return [c.name, true, 'ok']
        return typeof result === 'string' ? [c.name, false, result] : [c.name, true, result.note]
      } catch (err) {
        return [c.name, false, `failed: ${(err as Error).message}`]
      }
    }))
    return {
      ready: results.every(([, ready]) => ready),
      checks: Object.fromEntries(results.map(([name, , shown]) => [name, shown]))
    }
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
