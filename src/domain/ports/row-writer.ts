import type { RowKey } from '../feature-row.js'
import type { FeatureSetSpec } from '../feature-set-spec.js'
import type { FeatureValue } from '../feature-value.js'
import type { ReadOptions } from '../read-options.js'

/** A whole row to store for one entity in one feature set. */
export interface RowWrite {
  readonly entityId: string
  readonly featureSet: FeatureSetSpec
  /** Milliseconds since the Unix epoch: when the values were true, not when they were written. */
  readonly eventTime: number
  readonly values: ReadonlyMap<string, FeatureValue | null>
}

/** A row checked and encoded for the store by RowWriter.prepare; only that writer can write it. */
export interface PreparedRow extends RowKey {
  readonly eventTime: number
}

/**
 * The port for writing rows. A write replaces that set's row for the entity and never touches
 * another set's, so pipelines need no read-modify-write. Nothing is dropped silently: after a failed
 * write, unwritten(error) names the rows the store did not confirm.
 */
export interface RowWriter {
  /** Rows the store takes in one call; loaders batch by it. */
  readonly maxRowsPerCall: number
  /** Checks and encodes one row (declared features only, within the store's item size); throws a typed error naming what is wrong. */
  prepare (row: RowWrite): PreparedRow
  /**
   * With `options`, no store call starts and no retry waits once the caller gave up or its deadline
   * passed (a DeadlineExceededError whose unwritten rows are named); calls under way finish, so what
   * was written is known exactly.
   */
  writeRows (rows: readonly PreparedRow[], options?: ReadOptions): Promise<void>
  /**
   * Like writeRows, but a row only replaces a stored row whose event time is not later than its own,
   * so a late backfill cannot overwrite fresher values. Returns the rows left alone.
   */
  writeRowsIfNewer (rows: readonly PreparedRow[], concurrency?: number, options?: ReadOptions): Promise<readonly RowKey[]>
  /** After a failed write: the rows it did not confirm (every other row was written); undefined for other errors. */
  unwritten (error: unknown): readonly RowKey[] | undefined
}
