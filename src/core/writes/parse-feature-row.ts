import type { FeatureSetSpec, FeatureSpec } from '../../domain/feature-set-spec.js'
import type { FeatureValue } from '../../domain/feature-value.js'
import { parseEventTime, parseFeatureValue } from '../../domain/parse-feature-value.js'
import type { RowWrite } from '../../domain/ports/row-writer.js'
import { checkEntityId } from '../entity-id.js'

/** Why one row (an ingest line, a row of a write call) was refused; reported beside the row, never failing the others. */
export class RowRejectedError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'RowRejectedError'
  }
}

const FIELDS = new Set(['entity_id', 'event_time', 'features'])

/** Reads one feature's value as its protocol carries it; throws a typed error naming what is wrong. */
export type FeatureValueReader = (spec: FeatureSpec, input: unknown) => FeatureValue | null

export interface RowOptions {
  /** Accept rows that leave out some of the set's features (the stored row then lacks them). */
  readonly allowMissing: boolean
  /** How a value is read; the JSON form (ingest lines, POST /v1/write) by default. */
  readonly readValue?: FeatureValueReader
  /** How this caller relaxes the whole-row rule, named in the refusal; the CLI's flag by default. */
  readonly allowMissingHint?: string
}

/**
 * One row, `{ entity_id, event_time: <ms or ISO-8601>, features: {...} }`, checked against the
 * feature set: every value typed by its declared feature, unknown features and fields refused. The
 * one check for every way rows come in (CLI ingest, HTTP and gRPC writes), so a row refused by one is
 * refused by all, for the same reason. A row replaces the entity's whole row in the set, so by
 * default it must give every feature (null for "no value"), lest a partial row silently erase the others.
 */
export function parseFeatureRow (input: unknown, spec: FeatureSetSpec, options: RowOptions): RowWrite {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new RowRejectedError('expected a JSON object {"entity_id", "event_time", "features"}')
  const record = input as Record<string, unknown>
  const extra = Object.keys(record).filter((key) => !FIELDS.has(key))
  if (extra.length > 0) throw new RowRejectedError(`unexpected field${extra.length > 1 ? 's' : ''} ${extra.map((k) => JSON.stringify(k)).join(', ')}; a line has entity_id, event_time and features`)

  if (record.entity_id === undefined) throw new RowRejectedError('entity_id is missing')
  const entityId = checkEntityId(record.entity_id)
  if (record.event_time === undefined) throw new RowRejectedError('event_time is missing')
  const parsed = parseEventTime(record.event_time)
  if ('error' in parsed) throw new RowRejectedError(`event_time: ${parsed.error}`)
  const eventTime = parsed.ms

  const features = record.features
  if (typeof features !== 'object' || features === null || Array.isArray(features)) throw new RowRejectedError('features must be an object of feature name to value')
  const readValue = options.readValue ?? parseFeatureValue
  const values = new Map<string, FeatureValue | null>()
  for (const [name, raw] of Object.entries(features as Record<string, unknown>)) {
    const feature = spec.features.find((f) => f.name === name)
    if (feature === undefined) {
      throw new RowRejectedError(`unknown feature ${JSON.stringify(name)} in feature set ${spec.name} (it has ${spec.features.map((f) => f.name).join(', ')})`)
    }
    values.set(name, readValue(feature, raw))
  }
  if (!options.allowMissing) {
    const missing = spec.features.filter((f) => !values.has(f.name)).map((f) => f.name)
    if (missing.length > 0) {
      throw new RowRejectedError(`missing feature${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: a line replaces the entity's whole row in ${spec.name}, so give null for no value (or ${options.allowMissingHint ?? 'pass --allow-missing'})`)
    }
  }
  return { entityId, featureSet: spec, eventTime, values }
}
