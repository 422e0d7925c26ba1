import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { GatewayObserver, StatusProtocol, WriteCounts } from '../../core/gateway-observer.js'
import { FEATURE_STATUSES } from '../../domain/feature-status.js'
import type { RowCacheStats } from '../../core/rows/row-cache.js'
import { BoundedLabel } from './bounded-label.js'
import { BudgetMetrics } from './budget-metrics.js'
import { ExportMetrics } from './export-metrics.js'
import { ChangeFeedMetrics } from './change-feed-metrics.js'

/**
 * Latency buckets from 100 µs to 10 s: a cached lookup answers in well under a millisecond and a
 * DynamoDB round trip in a few, so the low end needs resolution a default histogram does not have.
 */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
]

const GRPC_CODES = new Set([
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE',
  'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'
])
const GRAPHQL_OUTCOMES = new Set(['ok', 'error', 'rejected'])
const PROTOCOLS = new Set(['grpc', 'graphql', 'pull'])
const EXPLORE_OUTCOMES = new Set(['admitted', 'deadline', 'aborted', 'refused'])
const PULL_FORMATS = new Set(['arrow', 'ndjson'])
const PULL_OUTCOMES = new Set(['complete', 'error', 'aborted'])
const FG_CODE = /^FG_ERR_[A-Z_]+$/
const STATUSES = new Set<string>(FEATURE_STATUSES)
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_.-]*$/
// '/package.Service/Method', as grpc-js names a handler.
const GRPC_PATH = /^\/([A-Za-z_][A-Za-z0-9_.]*)\/([A-Za-z_][A-Za-z0-9_]*)$/

/**
 * The one owner of the prom-client registry, and the Prometheus implementation of GatewayObserver:
 * protocols and the repository report through the observer interface and never see prom-client.
 * Each instance has its own registry, so several apps in one process (tests) never share series.
 */
export class GatewayMetrics implements GatewayObserver {
  readonly registry = new Registry()
  #cacheSource: () => RowCacheStats | undefined = () => undefined

  readonly #grpcSeconds: Histogram<'grpc_service' | 'grpc_method' | 'grpc_code'>
  readonly #graphqlSeconds: Histogram<'operation' | 'outcome'>
  readonly #httpSeconds: Histogram<'method' | 'route' | 'status_code'>
  readonly #storeSeconds: Histogram<'operation' | 'outcome'>
  readonly #batchKeys: Histogram
  readonly #batchLookups: Histogram
  readonly #unprocessedKeys: Counter
  readonly #throttles: Counter
  readonly #graphqlCost: Histogram
  readonly #graphqlRejections: Counter<'reason'>
  readonly #registryInvalid: Gauge
  readonly #registryLastGood: Gauge
  readonly #exploreWaitSeconds: Histogram<'outcome'>
  readonly #exploreRunning: Gauge
  readonly #exploreWaiting: Gauge
  readonly #exploreLimit: Gauge
  readonly #pulls: Counter<'format' | 'outcome'>
  readonly #pullRows: Counter<'format'>
  readonly #pullErrors: Counter<'format' | 'code'>
  readonly #writeRows: Counter<'protocol' | 'result'>
  /** Per-call hot path: plain tallies here, copied into the counter at scrape time. */
  readonly #statusTallies = new Map<string, { readonly protocol: string, readonly status: string, count: number }>()
  /**
   * The histogram's child per method, then per code, bound once: a call pays two map lookups, not a
   * regex, nor prom-client's hashing of a label object on every observe().
   */
  readonly #grpcChildren = new Map<string, Map<string, { observe: (seconds: number) => void }>>()
  #grpcChildCount = 0

  readonly #grpcService = new BoundedLabel(IDENTIFIER, 20, 'unknown')
  readonly #grpcMethod = new BoundedLabel(IDENTIFIER, 100, 'unknown')
  readonly #graphqlOperation = new BoundedLabel(IDENTIFIER, 200)
  readonly #storeOperation = new BoundedLabel(IDENTIFIER, 20)
  readonly #storeOutcome = new BoundedLabel(IDENTIFIER, 50)
  readonly #rejectionReason = new BoundedLabel(IDENTIFIER, 50)
  readonly #pullErrorCode = new BoundedLabel(FG_CODE, 50)
  readonly #httpRoute = new BoundedLabel(/^\/[\x21-\x7e]*$/, 100)

  constructor () {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry })

    this.#grpcSeconds = new Histogram({
      name: 'featuregate_grpc_server_handling_seconds',
      help: 'Time from receiving a gRPC call to sending its status, by service, method and status code.',
      labelNames: ['grpc_service', 'grpc_method', 'grpc_code'],
      buckets: [...LATENCY_BUCKETS_SECONDS],
      registers
    })
    this.#graphqlSeconds = new Histogram({
      name: 'featuregate_graphql_operation_duration_seconds',
      help: 'Time to answer one GraphQL operation, by operation label (known names only) and outcome (ok, error, rejected).',
      labelNames: ['operation', 'outcome'],
      buckets: [...LATENCY_BUCKETS_SECONDS],
      registers
    })
    this.#httpSeconds = new Histogram({
      name: 'featuregate_http_request_duration_seconds',
      help: 'Time to answer one HTTP request, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [...LATENCY_BUCKETS_SECONDS],
      registers
    })
    this.#storeSeconds = new Histogram({
      name: 'featuregate_dynamodb_request_duration_seconds',
      help: 'Time of one DynamoDB call, by operation and outcome (ok or the error code).',
      labelNames: ['operation', 'outcome'],
      buckets: [...LATENCY_BUCKETS_SECONDS],
      registers
    })
    this.#batchKeys = new Histogram({
      name: 'featuregate_store_batch_keys',
      help: 'Keys sent in one BatchGetItem call (DynamoDB allows at most 100).',
      buckets: [1, 2, 5, 10, 25, 50, 75, 100],
      registers
    })
    this.#batchLookups = new Histogram({
      name: 'featuregate_store_batch_lookups',
      help: 'Separate lookups merged into one BatchGetItem call by the batcher.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers
    })
    this.#unprocessedKeys = new Counter({
      name: 'featuregate_dynamodb_unprocessed_keys_retried_total',
      help: 'Keys DynamoDB returned as UnprocessedKeys and the gateway asked for again.',
      registers
    })
    this.#throttles = new Counter({
      name: 'featuregate_dynamodb_throttles_total',
      help: 'Reads DynamoDB throttled (throttling errors, or unprocessed keys still left after the last retry).',
      registers
    })
    this.#graphqlCost = new Histogram({
      name: 'featuregate_graphql_query_cost',
      help: 'Static cost of accepted GraphQL queries.',
      buckets: [1, 10, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 50_000, 100_000],
      registers
    })
    this.#graphqlRejections = new Counter({
      name: 'featuregate_graphql_rejections_total',
      help: 'GraphQL queries refused before execution, by reason.',
      labelNames: ['reason'],
      registers
    })
    this.#registryInvalid = new Gauge({
      name: 'featuregate_registry_invalid_entries',
      help: 'Registry entries that no longer parse, as of the last reload (each is logged).',
      registers
    })
    this.#registryLastGood = new Gauge({
      name: 'featuregate_registry_sets_on_last_good_spec',
      help: 'Feature sets still served from their last good spec because the stored one no longer parses.',
      registers
    })
    this.#exploreWaitSeconds = new Histogram({
      name: 'featuregate_explore_queue_wait_seconds',
      help: 'Time exploration operations (GraphQL, pulls) waited for a turn, by outcome (admitted, deadline, aborted, refused: the caller\'s own queue was full).',
      labelNames: ['outcome'],
      buckets: [...LATENCY_BUCKETS_SECONDS, 30],
      registers
    })
    this.#exploreRunning = new Gauge({ name: 'featuregate_explore_running', help: 'Exploration operations running now.', registers })
    this.#exploreWaiting = new Gauge({ name: 'featuregate_explore_waiting', help: 'Exploration operations waiting for a turn now.', registers })
    this.#exploreLimit = new Gauge({
      name: 'featuregate_explore_concurrency_limit',
      help: 'Exploration operations allowed to run at once right now (lower while online lookups are served or the event loop lags).',
      registers
    })
    this.#pulls = new Counter({
      name: 'featuregate_pulls_total',
      help: 'Streamed pulls (POST /v1/pull) that ended, by format (arrow, ndjson) and outcome (complete, error, aborted by the reader).',
      labelNames: ['format', 'outcome'],
      registers
    })
    this.#pullRows = new Counter({
      name: 'featuregate_pull_rows_total',
      help: 'Rows written to streamed pulls, by format.',
      labelNames: ['format'],
      registers
    })
    this.#pullErrors = new Counter({
      name: 'featuregate_pull_errors_total',
      help: 'Streamed pulls that failed after their first byte (ended with the error marker), by format and FG_ERR_* code.',
      labelNames: ['format', 'code'],
      registers
    })
    this.#writeRows = new Counter({
      name: 'featuregate_write_rows_total',
      help: 'Rows of online write calls (WriteFeatures, POST /v1/write), by protocol (grpc, http) and result (written; left_alone: the stored row is newer, only_newer; rejected: invalid, with its reason in the answer).',
      labelNames: ['protocol', 'result'],
      registers
    })
    const tallies = this.#statusTallies
    // eslint-disable-next-line no-new -- prom-client registers a metric on construction (`registers`); it reports through collect()
    new Counter({
      name: 'featuregate_feature_statuses_total',
      help: 'Per-feature results served, by protocol (grpc, graphql, pull) and status (PRESENT, NULL_VALUE, NOT_FOUND, STALE, INVALID, UNAVAILABLE).',
      labelNames: ['protocol', 'status'],
      registers,
      collect () {
        this.reset()
        for (const { protocol, status, count } of tallies.values()) this.inc({ protocol, status }, count)
      }
    })
    this.#cacheMetrics(registers)
    this.#changeFeed = new ChangeFeedMetrics(this.registry)
    this.#budgets = new BudgetMetrics(this.registry)
    this.#exports = new ExportMetrics(this.registry)
  }

  readonly #changeFeed: ChangeFeedMetrics
  readonly #budgets: BudgetMetrics
  readonly #exports: ExportMetrics

  changeFeedPolled (outcome: 'ok' | 'error', seconds: number): void {
    this.#changeFeed.changeFeedPolled(outcome, seconds)
  }

  changeApplied (kind: 'rows' | 'registry', rows: number, lagSeconds: number): void {
    this.#changeFeed.changeApplied(kind, rows, lagSeconds)
  }

  changeFeedCacheCleared (): void {
    this.#changeFeed.changeFeedCacheCleared()
  }

  /** Where cache statistics come from; read at scrape time so the hot path pays nothing for them. */
  watchCache (source: () => RowCacheStats | undefined): void {
    this.#cacheSource = source
  }

  async scrape (): Promise<string> {
    return await this.registry.metrics()
  }

  get contentType (): string {
    return this.registry.contentType
  }

  storeCall (operation: string, seconds: number, outcome: string): void {
    this.#storeSeconds.observe({ operation: this.#storeOperation.of(operation), outcome: this.#storeOutcome.of(outcome) }, seconds)
  }

  batchGet (keys: number, lookupsMerged: number): void {
    this.#batchKeys.observe(keys)
    this.#batchLookups.observe(lookupsMerged)
  }

  unprocessedRetry (keys: number): void {
    this.#unprocessedKeys.inc(keys)
  }

  throttled (): void {
    this.#throttles.inc()
  }

  grpcCall (method: string, code: string, seconds: number): void {
    let byCode = this.#grpcChildren.get(method)
    let child = byCode?.get(code)
    if (child === undefined) {
      const path = GRPC_PATH.exec(method)
      child = this.#grpcSeconds.labels({
        grpc_service: path === null ? 'unknown' : this.#grpcService.of(path[1]!),
        grpc_method: path === null ? 'unknown' : this.#grpcMethod.of(path[2]!),
        grpc_code: GRPC_CODES.has(code) ? code : 'UNKNOWN'
      })
      // Bounded like the labels themselves: past the cap, unseen pairs are parsed every time.
      if (this.#grpcChildCount < 1_000) {
        if (byCode === undefined) this.#grpcChildren.set(method, byCode = new Map())
        byCode.set(code, child)
        this.#grpcChildCount++
      }
    }
    child.observe(seconds)
  }

  graphqlOperation (operation: string, outcome: string, seconds: number): void {
    this.#graphqlSeconds.observe({
      operation: this.#graphqlOperation.of(operation),
      outcome: GRAPHQL_OUTCOMES.has(outcome) ? outcome : 'other'
    }, seconds)
  }

  graphqlCost (cost: number): void {
    if (Number.isFinite(cost) && cost >= 0) this.#graphqlCost.observe(cost)
  }

  graphqlRejected (reason: string): void {
    this.#graphqlRejections.inc({ reason: this.#rejectionReason.of(reason) })
  }

  registryReloaded (invalidEntries: number, servedFromLastGood: number): void {
    this.#registryInvalid.set(invalidEntries)
    this.#registryLastGood.set(servedFromLastGood)
  }

  featureStatuses (protocol: StatusProtocol, counts: Readonly<Record<string, number>>): void {
    if (!PROTOCOLS.has(protocol)) return
    for (const status in counts) {
      const count = counts[status]!
      if (!(count > 0) || !Number.isFinite(count)) continue
      const label = STATUSES.has(status) ? status : 'other'
      const key = `${protocol} ${label}`
      const tally = this.#statusTallies.get(key)
      if (tally !== undefined) tally.count += count
      else this.#statusTallies.set(key, { protocol, status: label, count })
    }
  }

  exploreQueueWait (outcome: 'admitted' | 'deadline' | 'aborted' | 'refused', seconds: number): void {
    this.#exploreWaitSeconds.observe({ outcome: EXPLORE_OUTCOMES.has(outcome) ? outcome : 'other' }, seconds)
  }

  exploreQueueDepth (running: number, waiting: number, limit: number): void {
    this.#exploreRunning.set(running)
    this.#exploreWaiting.set(waiting)
    this.#exploreLimit.set(limit)
  }

  pullFinished (format: string, outcome: string): void {
    this.#pulls.inc({ format: PULL_FORMATS.has(format) ? format : 'other', outcome: PULL_OUTCOMES.has(outcome) ? outcome : 'other' })
  }

  pullRows (format: string, rows: number): void {
    if (rows > 0 && Number.isFinite(rows)) this.#pullRows.inc({ format: PULL_FORMATS.has(format) ? format : 'other' }, rows)
  }

  rowsWritten (protocol: 'grpc' | 'http', counts: WriteCounts): void {
    const label = protocol === 'grpc' || protocol === 'http' ? protocol : 'other'
    if (counts.written > 0) this.#writeRows.inc({ protocol: label, result: 'written' }, counts.written)
    if (counts.leftAlone > 0) this.#writeRows.inc({ protocol: label, result: 'left_alone' }, counts.leftAlone)
    if (counts.rejected > 0) this.#writeRows.inc({ protocol: label, result: 'rejected' }, counts.rejected)
  }

  pullError (format: string, code: string): void {
    this.#pullErrors.inc({ format: PULL_FORMATS.has(format) ? format : 'other', code: this.#pullErrorCode.of(code) })
  }

  exportPage (protocol: StatusProtocol, rows: number, itemsExamined: number): void {
    this.#exports.exportPage(protocol, rows, itemsExamined)
  }

  budgetScope (budget: string, scope: 'fleet' | 'replica'): void {
    this.#budgets.budgetScope(budget, scope)
  }

  budgetLease (budget: string, outcome: 'full' | 'short' | 'failed'): void {
    this.#budgets.budgetLease(budget, outcome)
  }

  /** Not part of GatewayObserver: HTTP timing is recorded by the metrics plugin's own hook. */
  httpRequest (method: string, route: string | undefined, statusCode: number, seconds: number): void {
    this.#httpSeconds.observe({
      method,
      route: route === undefined ? 'unmatched' : this.#httpRoute.of(route),
      status_code: String(statusCode)
    }, seconds)
  }

  #cacheMetrics (registers: Registry[]): void {
    // Counters mirror the cache's own monotonic tallies at scrape time: reset, then add the total.
    const read = (): RowCacheStats | undefined => this.#cacheSource()
    const mirror = (name: string, help: string, pick: (stats: RowCacheStats) => number): void => {
      // eslint-disable-next-line no-new -- registered on construction; the registry keeps it and calls collect()
      new Counter({
        name,
        help,
        registers,
        collect () {
          const stats = read()
          this.reset()
          if (stats !== undefined) this.inc(pick(stats))
        }
      })
    }
    mirror('featuregate_row_cache_hits_total', 'Row cache lookups answered from the cache (including remembered misses).', (s) => s.hits)
    mirror('featuregate_row_cache_misses_total', 'Row cache lookups that had to go to the store.', (s) => s.misses)
    mirror('featuregate_row_cache_evictions_total', 'Rows evicted from the cache to stay within its byte budget.', (s) => s.evictions)
    mirror('featuregate_row_cache_refreshes_total', 'Rows read again in the background because a lookup hit them near the end of their TTL (CACHE_REFRESH_AHEAD_MS).', (s) => s.refreshes)
    mirror('featuregate_row_cache_stale_served_total', 'Rows served past their TTL because the store could not be read (stale-if-error, STALE_IF_ERROR_MS).', (s) => s.staleServed)
    // eslint-disable-next-line no-new -- registered on construction; the registry keeps it and calls collect()
    new Gauge({
      name: 'featuregate_row_cache_bytes',
      help: 'Estimated bytes held by the row cache.',
      registers,
      collect () { this.set(read()?.bytes ?? 0) }
    })
    // eslint-disable-next-line no-new -- registered on construction; the registry keeps it and calls collect()
    new Gauge({
      name: 'featuregate_row_cache_entries',
      help: 'Rows (and remembered misses) held by the row cache.',
      registers,
      collect () { this.set(read()?.entries ?? 0) }
    })
  }
}
