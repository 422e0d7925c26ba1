/**
 * What store work costs, in points, whichever protocol asks: a point is about one object in an
 * answer or one row read by key. GraphQL adds one point per object its answer holds
 * (src/plugins/graphql/query-cost.ts) and charges the caller's per-minute budget with the sum;
 * these are the store-side terms, so any protocol pricing the same read prices it the same.
 */
export const COST = {
  /** One (entity, feature set) row read by key. */
  rowRead: 1,
  /** A pulled row: found by a scan (whose reads of other sets' items are the price of the shared table). */
  scannedRow: 2,
  /** Rows read for statistics per point: they are summarised, not returned. */
  statisticsRowsPerPoint: 10,
  /** Floats of a vector answer per point. */
  floatsPerPoint: 100,
  /** Histogram buckets per point (each bucket is two numbers of the answer). */
  histogramBucketsPerPoint: 10
} as const

/** Rows read by key for `entities` ids over `featureSets` sets. */
export function lookupWork (entities: number, featureSets: number): number {
  return entities * Math.max(1, featureSets) * COST.rowRead
}

/** A pull page: the scanned rows, plus the rows of the other sets joined by key. */
export function pullWork (rows: number, otherSets: number): number {
  return rows * (COST.scannedRow + otherSets * COST.rowRead)
}

export function statisticsWork (rows: number, featureSets: number): number {
  return Math.ceil(rows * Math.max(1, featureSets) / COST.statisticsRowsPerPoint)
}

export function vectorCost (dimension: number): number {
  return Math.ceil(dimension / COST.floatsPerPoint)
}

export function histogramCost (buckets: number): number {
  return Math.ceil(buckets / COST.histogramBucketsPerPoint)
}
