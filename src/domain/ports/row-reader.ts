import type { FeatureRow, RowRequest } from '../feature-row.js'
import type { ReadOptions } from '../read-options.js'

/**
 * The port for reading rows by key: what the core needs from any store for online lookups. The
 * DynamoDB implementation (src/repo) reads with BatchGetItem; the cache, single flight and batcher
 * (src/core/rows) wrap any implementation.
 *
 * One answer per request, in order; undefined where the store has no row. Requests for the same
 * key may repeat and may ask for different features: each gets a row holding at least its own.
 */
export interface RowReader {
  readRows (requests: readonly RowRequest[], options: ReadOptions): Promise<Array<FeatureRow | undefined>>
}
