import type { PullBatch } from '../../core/export/feature-pull.js'
import type { HttpFailure } from '../http-errors.js'

export type PullFormat = 'arrow' | 'ndjson'

/** How a failed pull is told: the HTTP status before the first byte, the GraphQL-style error after it. */
export type PullFailure = HttpFailure

/**
 * One wire format of a streamed pull. It turns each batch into bytes that carry the batch's resume
 * token, closes a complete pull with an explicit end, and says how a failed one ends, so no reader
 * can take a cut-off pull for a whole one.
 */
export interface PullEncoder {
  readonly format: PullFormat
  readonly contentType: string
  /** One batch's bytes: its rows, then what resumes the pull after them. */
  batch (batch: PullBatch): Uint8Array[]
  /** The bytes of a complete pull's end (after its last batch). */
  end (rows: number): Uint8Array[]
  /** The bytes that end a failed pull, or undefined when the format has none and the stream is cut instead. */
  failure (failure: PullFailure): Uint8Array[] | undefined
}
