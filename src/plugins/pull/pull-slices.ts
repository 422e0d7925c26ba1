import type { PullBatch } from '../../core/export/feature-pull.js'
import type { ResolvedFeature } from '../../core/feature-registry.js'
import { arrowEncoder } from './arrow-encoder.js'
import { ndjsonEncoder } from './ndjson-encoder.js'
import type { PullEncoder, PullFormat } from './pull-encoder.js'

/**
 * Rows encoded in one go on the event loop (pulls there, PULL_THREADS=0): about a millisecond of the
 * loop, so a 1,000-row page does not hold it for ten. A pull thread sends each page whole.
 */
export const SLICE_ROWS = 250

/**
 * A batch as slices of at most SLICE_ROWS rows, each its own batch in the stream with the token that
 * resumes after its last row, so a reader can commit at every one.
 */
export function slicesOf (batch: PullBatch): PullBatch[] {
  const { columns } = batch
  if (columns.length <= SLICE_ROWS) return [batch]
  const slices: PullBatch[] = []
  for (let start = 0; start < columns.length; start += SLICE_ROWS) {
    const end = Math.min(start + SLICE_ROWS, columns.length)
    const slice = columns.slice(start, end)
    slices.push(end === columns.length
      ? { ...batch, columns: slice }
      : { columns: slice, resumeAfter: columns.cursor(end - 1), done: false, itemsScanned: 0 })
  }
  return slices
}

export function encoderFor (format: PullFormat, featureSet: string, features: readonly ResolvedFeature[]): PullEncoder {
  return format === 'arrow' ? arrowEncoder(featureSet, features) : ndjsonEncoder(features)
}
