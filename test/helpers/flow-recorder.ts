/**
 * What a test transport of a live session shares, whatever the protocol: the flow control it was asked for
 * (pause/resume, counted) and a wait for a condition, re-checked at every call the session makes.
 */
export class FlowRecorder {
  paused = false
  pauses = 0
  resumes = 0
  private listeners: Array<() => void> = []

  pause (): void {
    this.paused = true
    this.pauses++
    this.notify()
  }

  resume (): void {
    this.paused = false
    this.resumes++
    this.notify()
  }

  /** Resolves once `condition` holds (checked now and after every call the session makes). */
  async until (condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise<void>((resolve) => this.listeners.push(resolve))
  }

  protected notify (): void {
    for (const resolve of this.listeners.splice(0)) resolve()
  }
}
