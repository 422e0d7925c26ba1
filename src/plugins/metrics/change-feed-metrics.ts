import { Counter, Histogram, type Registry } from 'prom-client'
import type { GatewayObserver } from '../../core/gateway-observer.js'

/** From a write anywhere to this replica forgetting the row: the poll interval dominates, so 50 ms to 60 s. */
const PROPAGATION_BUCKETS_SECONDS = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60]

/** The change log's series (README "A fleet of replicas"), kept apart from GatewayMetrics' own. */
export class ChangeFeedMetrics implements Pick<GatewayObserver, 'changeFeedPolled' | 'changeApplied' | 'changeFeedCacheCleared'> {
  readonly #polls: Counter<'outcome'>
  readonly #errors: Counter
  readonly #entries: Counter<'kind'>
  readonly #rowsEvicted: Counter
  readonly #clears: Counter
  readonly #lag: Histogram<'kind'>

  constructor (registry: Registry) {
    const registers = [registry]
    this.#polls = new Counter({
      name: 'featuregate_change_feed_polls_total',
      help: 'Reads of the change log (writes made by any writer, for this replica\'s cache), by outcome (ok, error).',
      labelNames: ['outcome'],
      registers
    })
    this.#errors = new Counter({
      name: 'featuregate_change_feed_errors_total',
      help: 'Reads of the change log that failed; while they fail, cached rows are bounded by CACHE_TTL_MS only.',
      registers
    })
    this.#entries = new Counter({
      name: 'featuregate_change_feed_entries_applied_total',
      help: 'Change-log entries applied, by kind (rows: rows forgotten; registry: registry reloaded).',
      labelNames: ['kind'],
      registers
    })
    this.#rowsEvicted = new Counter({
      name: 'featuregate_change_feed_rows_evicted_total',
      help: 'Rows forgotten because a change-log entry named them.',
      registers
    })
    this.#clears = new Counter({
      name: 'featuregate_change_feed_cache_clears_total',
      help: 'Whole row cache cleared because the change log was unreadable for longer than CHANGE_FEED_MAX_CATCH_UP_MS.',
      registers
    })
    this.#lag = new Histogram({
      name: 'featuregate_change_propagation_seconds',
      help: 'From a change-log entry\'s write (writer\'s clock) to this replica applying it, by kind.',
      labelNames: ['kind'],
      buckets: PROPAGATION_BUCKETS_SECONDS,
      registers
    })
  }

  changeFeedPolled (outcome: 'ok' | 'error', _seconds: number): void {
    this.#polls.inc({ outcome })
    if (outcome === 'error') this.#errors.inc()
  }

  changeApplied (kind: 'rows' | 'registry', rows: number, lagSeconds: number): void {
    this.#entries.inc({ kind })
    if (rows > 0) this.#rowsEvicted.inc(rows)
    if (Number.isFinite(lagSeconds)) this.#lag.observe({ kind }, lagSeconds)
  }

  changeFeedCacheCleared (): void {
    this.#clears.inc()
  }
}
