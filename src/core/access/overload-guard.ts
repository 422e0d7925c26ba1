import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import { OverloadedError } from '../../errors.js'

export interface OverloadThresholds {
  /** Event-loop delay (p99 over the last window, ms) above which exploration (GraphQL) is shed. */
  readonly exploreMaxLagMs: number
  /** Above this, online lookups are shed too; set higher so they keep working while exports run. */
  readonly onlineMaxLagMs: number
}

/**
 * Load shedding on event-loop lag, shared by both protocols. Exploration is shed first: a heavy
 * export should slow itself down, not the inference services.
 */
export class OverloadGuard {
  readonly #thresholds: OverloadThresholds
  readonly #histogram: IntervalHistogram
  readonly #timer: NodeJS.Timeout
  #lagMs = 0

  constructor (thresholds: OverloadThresholds, windowMs = 500) {
    this.#thresholds = thresholds
    this.#histogram = monitorEventLoopDelay({ resolution: 10 })
    this.#histogram.enable()
    this.#timer = setInterval(() => {
      this.#lagMs = this.#histogram.percentile(99) / 1e6
      this.#histogram.reset()
    }, windowMs)
    this.#timer.unref()
  }

  get lagMs (): number {
    return this.#lagMs
  }

  check (kind: 'online' | 'explore'): void {
    const max = kind === 'online' ? this.#thresholds.onlineMaxLagMs : this.#thresholds.exploreMaxLagMs
    if (this.#lagMs > max) throw new OverloadedError()
  }

  close (): void {
    clearInterval(this.#timer)
    this.#histogram.disable()
  }
}
