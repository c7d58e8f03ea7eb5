/**
 * Resolves once `condition` holds, checked now and then every 20 ms; rejects after `ms`. For state nothing emits an
 * event about (a queue's length, a socket's paused flag): the wait ends on the condition, never on the clock.
 */
export async function eventually (what: string, ms: number, condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = performance.now() + ms
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** `promise`, or a rejection naming `what` if it has not settled within `ms`. */
export async function within<T> (what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`not within ${ms} ms: ${what}`)), ms) })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}
