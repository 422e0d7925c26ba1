import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'

/**
 * Event-loop delay, p99 over the last window: how long a callback waited for its turn lately. A
 * signal to pace background work by, never a reason to refuse a request on its own (a busy start-up
 * counts here too).
 */
export class EventLoopLag {
  readonly #histogram: IntervalHistogram
  readonly #timer: NodeJS.Timeout
  #lagMs = 0

  constructor (windowMs = 500) {
    this.#histogram = monitorEventLoopDelay({ resolution: 10 })
    this.#histogram.enable()
    this.#timer = setInterval(() => {
      this.#lagMs = this.#histogram.percentile(99) / 1e6
      this.#histogram.reset()
    }, windowMs)
    this.#timer.unref()
  }

  /** p99 delay in the last full window, in ms. */
  get p99Ms (): number {
    return this.#lagMs
  }

  close (): void {
    clearInterval(this.#timer)
    this.#histogram.disable()
  }
}
