import type { FeatureRow } from '../feature-row.js'
import type { FeatureSetSpec } from '../feature-set-spec.js'
import type { FeatureValue } from '../feature-value.js'
import type { ReadOptions } from '../read-options.js'
import type { RowReader } from './row-reader.js'

/** A condition the store evaluates while scanning, and the gateway can evaluate the same way on a decoded row. */
export type ScanCondition =
  | { readonly kind: 'compare', readonly feature: string, readonly op: CompareOp, readonly value: FeatureValue }
  | { readonly kind: 'in', readonly feature: string, readonly values: readonly FeatureValue[] }
  /** isNull true: stored as NULL; false: stored with a (non-null) value. */
  | { readonly kind: 'null', readonly feature: string, readonly isNull: boolean }
  | { readonly kind: 'exists', readonly feature: string, readonly exists: boolean }
  /** On the row's own event time (ms). */
  | { readonly kind: 'event_time', readonly op: '>=' | '<', readonly value: number }

export type CompareOp = '=' | '<>' | '<' | '<=' | '>' | '>='

/**
 * Where one segment's read stands: not started, finished, or inside it. A store cuts each set into
 * numbered shards and gives every shard to exactly one segment; inside, a segment stands at one of
 * its shards, after the row of entity `after` (at the shard's start when `after` is absent).
 */
export type SegmentPosition = 'start' | 'done' | ShardPosition

export interface ShardPosition {
  readonly shard: number
  readonly after?: string
}

/** Positions of every segment of a `totalSegments`-way parallel scan. */
export interface ScanPosition {
  readonly totalSegments: number
  readonly segments: readonly SegmentPosition[]
}

export interface ScanRequest {
  readonly featureSet: FeatureSetSpec
  /** Features to read from each row; only keys and event time when empty. */
  readonly attributes: readonly string[]
  readonly conditions: readonly ScanCondition[]
  readonly position: ScanPosition
  /** Segments this scan covers, in the order rows are handed out. */
  readonly segments: readonly number[]
  /** Stop once this many matching rows are in hand. */
  readonly maxRows: number
  /** Stop once the store has examined this many items (a selective filter must not scan unbounded). */
  readonly maxItems: number
  /**
   * Stop once the items read take this many bytes (as the store sent them), so a page of large rows
   * is bounded in memory, not only in count. The calls under way when it is reached still complete
   * (on DynamoDB each answers at most 1 MB), and a scan always returns at least one row when one is left.
   */
  readonly maxBytes: number
  /** Segments read at the same time. */
  readonly parallelism: number
  /**
   * Stop where the shard the one covered segment stands in ends, even with rows still wanted: the
   * segment's later shards are being read by other reads (a pull reading shards ahead of its reader).
   */
  readonly shardOnly?: boolean
}

export interface ScannedRow {
  readonly entityId: string
  readonly row: FeatureRow
  /** The position just after this row: resuming there yields the rows after it, none twice. */
  readonly after: ScanPosition
}

export interface ScanResult {
  readonly rows: readonly ScannedRow[]
  readonly position: ScanPosition
  /** Every covered segment is done. */
  readonly exhausted: boolean
  readonly itemsScanned: number
  /** The bytes of the answers read (see maxBytes). */
  readonly bytesRead: number
  readonly calls: number
}

/**
 * The port for bulk reads (training pulls, statistics): a set's rows in resumable segments, and rows
 * by key without the online cache, so a heavy pull neither evicts hot rows nor queues in front of them.
 */
export interface BulkReader extends RowReader {
  /**
   * Matching rows in a deterministic order, so every row has an exact resume position. A position
   * that does not belong to this scan fails with InvalidCursorError.
   */
  scan (request: ScanRequest, options: ReadOptions): Promise<ScanResult>
  /**
   * The shards segment `index` of `totalSegments` reads, in the order it reads them, so a reader can
   * start later shards (at `{ shard }`) before the earlier ones end.
   */
  shardsOfSegment (index: number, totalSegments: number): readonly number[]
}
