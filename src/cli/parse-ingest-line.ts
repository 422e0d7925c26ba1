import { checkEntityId } from '../core/entity-id.js'
import type { FeatureSetSpec } from '../domain/feature-set-spec.js'
import type { FeatureValue } from '../domain/feature-value.js'
import { parseEventTime, parseFeatureValue } from '../domain/parse-feature-value.js'
import type { RowWrite } from '../domain/ports/row-writer.js'

/** Why one input line was refused; the ingest report prints it beside the line number. */
export class IngestLineError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'IngestLineError'
  }
}

const FIELDS = new Set(['entity_id', 'event_time', 'features'])

export interface LineOptions {
  /** Accept lines that leave out some of the set's features (the stored row then lacks them). */
  readonly allowMissing: boolean
}

/**
 * One JSON Lines record, `{"entity_id": "...", "event_time": <ms or ISO-8601>, "features": {...}}`,
 * checked against the feature set: every value typed by its declared feature, unknown features and
 * fields refused. A line replaces the entity's whole row in the set, so by default it must give
 * every feature (null for "no value"), lest a partial line silently erase the others.
 */
export function parseIngestLine (text: string, spec: FeatureSetSpec, options: LineOptions): RowWrite {
  let input: unknown
  try {
    input = JSON.parse(text)
  } catch (error) {
    throw new IngestLineError(`not valid JSON: ${(error as Error).message}`)
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new IngestLineError('expected a JSON object {"entity_id", "event_time", "features"}')
  const record = input as Record<string, unknown>
  const extra = Object.keys(record).filter((key) => !FIELDS.has(key))
  if (extra.length > 0) throw new IngestLineError(`unexpected field${extra.length > 1 ? 's' : ''} ${extra.map((k) => JSON.stringify(k)).join(', ')}; a line has entity_id, event_time and features`)

  if (record.entity_id === undefined) throw new IngestLineError('entity_id is missing')
  const entityId = checkEntityId(record.entity_id)
  if (record.event_time === undefined) throw new IngestLineError('event_time is missing')
  const parsed = parseEventTime(record.event_time)
  if ('error' in parsed) throw new IngestLineError(`event_time: ${parsed.error}`)
  const eventTime = parsed.ms

  const features = record.features
  if (typeof features !== 'object' || features === null || Array.isArray(features)) throw new IngestLineError('features must be an object of feature name to value')
  const values = new Map<string, FeatureValue | null>()
  for (const [name, raw] of Object.entries(features as Record<string, unknown>)) {
    const feature = spec.features.find((f) => f.name === name)
    if (feature === undefined) {
      throw new IngestLineError(`unknown feature ${JSON.stringify(name)} in feature set ${spec.name} (it has ${spec.features.map((f) => f.name).join(', ')})`)
    }
    values.set(name, parseFeatureValue(feature, raw))
  }
  if (!options.allowMissing) {
    const missing = spec.features.filter((f) => !values.has(f.name)).map((f) => f.name)
    if (missing.length > 0) {
      throw new IngestLineError(`missing feature${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: a line replaces the entity's whole row in ${spec.name}, so give null for no value (or pass --allow-missing)`)
    }
  }
  return { entityId, featureSet: spec, eventTime, values }
}
