import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import { OverloadedError } from '../../errors.js'

export interface OverloadThresholds {
  /**
   * Event-loop delay (p99 over the last window, ms) above which exploration (GraphQL) is shed. Low on
   * purpose: a bulk page blocks the loop for tens of ms, and shedding the next pages for one window is
   * what keeps online p99 near its normal level (npm run bench:isolation).
   */
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
  readonly #windowMs: number

  constructor (thresholds: OverloadThresholds, windowMs = 500) {
    this.#thresholds = thresholds
    this.#windowMs = windowMs
    this.#histogram = monitorEventLoopDelay({ resolution: 10 })
    this.#histogram.enable()
    this.#timer = setInterval(() => {
      this.#lagMs = this.#histogram.percentile(99) / 1e6
      this.#histogram.reset()
    }, windowMs)
    this.#timer.unref()
  }

  check (kind: 'online' | 'explore'): void {
    const max = kind === 'online' ? this.#thresholds.onlineMaxLagMs : this.#thresholds.exploreMaxLagMs
    // Lag is measured over windowMs; by the next window it is measured afresh, so that is when to come back.
    if (this.#lagMs > max) throw new OverloadedError({ retryAfterSeconds: Math.max(1, Math.ceil(this.#windowMs / 1000)) })
  }

  close (): void {
    clearInterval(this.#timer)
    this.#histogram.disable()
  }
}
