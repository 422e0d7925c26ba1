import type { RowRequest, RowResult } from '../feature-row.js'
import type { ReadOptions } from '../read-options.js'

/**
 * The port for reading rows by key: what the core needs from any store for online lookups. The
 * DynamoDB implementation (src/repo) reads with BatchGetItem; the cache, single flight and batcher
 * (src/core/rows) wrap any implementation.
 *
 * One answer per request, in order: the row, undefined where the store has no row, or an UnreadRow
 * where that row's part of the read failed while other parts succeeded. The read rejects (with a typed
 * error) only when nothing could be read, the deadline passed or the caller gave up. Requests for the
 * same key may repeat and may ask for different features: each gets a row holding at least its own.
 */
export interface RowReader {
  readRows (requests: readonly RowRequest[], options: ReadOptions): Promise<RowResult[]>
}
