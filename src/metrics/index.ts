/**
 * earshot's Prometheus metrics (prom-client), without any HTTP framework: the server's /metrics plugin, the
 * `earshot worker` process and the CLI can all build one and feed it.
 *
 * One `Metrics` per server instance (tests run several in one process, each must count alone); the process-wide
 * default metrics (CPU, memory, event loop lag, GC) live in one shared registry, created on first use, and are
 * merged into every scrape.
 *
 * Labels are bounded on purpose: a route *pattern* (never the URL, whose query may carry a key), a status code,
 * an installed model's name, a queue priority, a job state. Nothing a client types becomes a label value.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { EngineObserver } from '../engine/types.ts'
import type { QueueStats } from '../engine/queue.ts'

export const JOB_STATES = ['queued', 'running', 'done', 'failed'] as const
export type JobState = typeof JOB_STATES[number]
export type JobCounts = Partial<Record<JobState, number>>

/** What the engine gauges read at scrape time (Engine.stats() fits). */
export type EngineStats = () => QueueStats & { loadedModels: string[] }

/** Label used for requests that matched no route (404s): one series, whatever the URL was. */
export const UNMATCHED_ROUTE = 'unmatched'

// Seconds. HTTP requests range from a cached /health to an hour-long transcription; decodes and queue waits
// from tens of milliseconds (short clips, live finals) to minutes.
const HTTP_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800]
const WAIT_BUCKETS = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]
const DECODE_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800]
// Decode seconds per audio second: below 1 is faster than real time.
const RTF_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 5, 10]

let processRegistry: Registry | undefined
function defaultMetricsRegistry (): Registry {
  if (!processRegistry) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}

export class Metrics {
  readonly registry = new Registry()
  private engineStats: EngineStats | undefined
  private jobCounts: JobCounts = {}
  private jobSource: (() => Promise<JobCounts> | JobCounts) | undefined
  private liveSessions: Gauge

  // Accepted upgrades never reach onResponse (the socket is handed to ws), so sessions are counted here.
  private readonly liveSessionsOpened = new Counter({
    name: 'earshot_live_sessions_opened_total',
    help: 'Live WebSocket transcription sessions opened (refused upgrades count in earshot_http_requests_total)',
    registers: [this.registry]
  })

  private readonly httpRequests = new Counter({
    name: 'earshot_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [this.registry]
  })

  private readonly httpDuration = this.histogram('earshot_http_request_duration_seconds',
    'Time from request received to response sent, by method, route pattern and status code',
    ['method', 'route', 'status_code'], HTTP_BUCKETS)

  private readonly queueWait = this.histogram('earshot_queue_wait_seconds',
    'Time a transcription job waited in the engine queue before it started, by priority', ['priority'], WAIT_BUCKETS)

  private readonly decodeSeconds = this.histogram('earshot_decode_seconds',
    'Wall-clock seconds whisper took per decode, by model', ['model'], DECODE_BUCKETS)

  private readonly audioSeconds = new Counter({
    name: 'earshot_decoded_audio_seconds_total',
    help: 'Seconds of audio decoded, by model (live interims re-decode audio, so this can exceed what clients sent); ' +
      'rate(earshot_decode_seconds_sum) / rate(this) is the real-time factor',
    labelNames: ['model'] as const,
    registers: [this.registry]
  })

  private readonly realTimeFactor = this.histogram('earshot_real_time_factor',
    'Decode seconds per audio second of each decode, by model (below 1 is faster than real time)', ['model'], RTF_BUCKETS)

  constructor () {
    const self = this
    this.engineGauge('earshot_queue_waiting', 'Transcription jobs waiting in the engine queue', (e) => e.waiting)
    this.engineGauge('earshot_queue_running', 'Transcription jobs being decoded now', (e) => e.running)
    this.engineGauge('earshot_models_loaded', 'Whisper models resident in memory', (e) => e.loadedModels.length)
    this.liveSessions = new Gauge({
      name: 'earshot_live_sessions',
      help: 'Live WebSocket transcription sessions open now',
      registers: [this.registry]
    })
    this.registry.registerMetric(new Gauge({
      name: 'earshot_jobs',
      help: 'Asynchronous (callback) transcription jobs by state',
      labelNames: ['state'] as const,
      registers: [],
      async collect () {
        const counts = self.jobSource ? await self.jobSource() : self.jobCounts
        for (const state of JOB_STATES) this.set({ state }, counts[state] ?? 0)
      }
    }))
  }

  private histogram<L extends string> (name: string, help: string, labelNames: L[], buckets: number[]): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] })
  }

  /** A gauge read from the watched engine at scrape time; 0 while none is watched. */
  private engineGauge (name: string, help: string, read: (stats: ReturnType<EngineStats>) => number): void {
    const stats = (): ReturnType<EngineStats> | undefined => this.engineStats?.()
    this.registry.registerMetric(new Gauge({ name, help, registers: [], collect () { const s = stats(); this.set(s ? read(s) : 0) } }))
  }

  /** Queue depth and loaded models are read from here at each scrape. */
  watchEngine (stats: EngineStats): void {
    this.engineStats = stats
  }

  /** Hooks for Engine.observe(): queue wait, decode time, audio seconds and real-time factor. */
  engineObserver (): EngineObserver {
    return {
      jobStarted: ({ waitSeconds, priority }) => { this.queueWait.observe({ priority }, waitSeconds) },
      decoded: ({ model, audioSeconds, decodeSeconds }) => {
        this.decodeSeconds.observe({ model }, decodeSeconds)
        this.audioSeconds.inc({ model }, audioSeconds)
        if (audioSeconds > 0) this.realTimeFactor.observe({ model }, decodeSeconds / audioSeconds)
      }
    }
  }

  /** One answered HTTP request; `route` is the matched pattern (e.g. /v1/listen) or UNMATCHED_ROUTE. */
  httpRequest (method: string, route: string, statusCode: number, seconds: number): void {
    const labels = { method, route, status_code: String(statusCode) }
    this.httpRequests.inc(labels)
    this.httpDuration.observe(labels, seconds)
  }

  /** A live session opened; call the returned function (idempotent) when it ends. */
  liveSessionOpened (): () => void {
    this.liveSessions.inc()
    this.liveSessionsOpened.inc()
    let open = true
    return () => {
      if (!open) return
      open = false
      this.liveSessions.dec()
    }
  }

  /** Jobs by state, pushed by whoever runs the queue; states left out count 0. */
  setJobCounts (counts: JobCounts): void {
    this.jobCounts = { ...counts }
  }

  /**
   * Or pulled: `source` is called at each scrape (e.g. a COUNT … GROUP BY state on the job table) and wins over
   * setJobCounts. A failing source fails the scrape, which Prometheus records as `up == 0`.
   */
  collectJobCounts (source: () => Promise<JobCounts> | JobCounts): void {
    this.jobSource = source
  }

  get contentType (): string {
    return this.registry.contentType
  }

  /** The Prometheus text exposition: this instance's metrics and the process defaults. */
  async text (): Promise<string> {
    return await Registry.merge([defaultMetricsRegistry(), this.registry]).metrics()
  }
}
