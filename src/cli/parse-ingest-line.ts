import type { FeatureSetSpec } from '../domain/feature-set-spec.js'
import type { RowWrite } from '../domain/ports/row-writer.js'
import { parseFeatureRow, RowRejectedError } from '../core/writes/parse-feature-row.js'

/** Why one input line was refused; the ingest report prints it beside the line number. */
export { RowRejectedError as IngestLineError }

export interface LineOptions {
  /** Accept lines that leave out some of the set's features (the stored row then lacks them). */
  readonly allowMissing: boolean
}

/**
 * One JSON Lines record, `{"entity_id": "...", "event_time": <ms or ISO-8601>, "features": {...}}`,
 * checked by the same rule as every write (core/writes/parse-feature-row.ts), so a line the CLI
 * refuses is refused for the same reason by POST /v1/write and WriteFeatures.
 */
export function parseIngestLine (text: string, spec: FeatureSetSpec, options: LineOptions): RowWrite {
  let input: unknown
  try {
    input = JSON.parse(text)
  } catch (error) {
    throw new RowRejectedError(`not valid JSON: ${(error as Error).message}`)
  }
  return parseFeatureRow(input, spec, options)
}
