import type { FeatureWriteRequest } from '../../core/writes/feature-writes.js'
import { InvalidArgumentError } from '../../errors.js'

const BODY_KEYS = new Set(['featureSet', 'rows', 'onlyNewer', 'allowMissing'])

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function flag (body: Record<string, unknown>, name: string): boolean {
  const value = body[name]
  if (value === undefined || value === null) return false
  if (typeof value !== 'boolean') throw new InvalidArgumentError(`${name} must be true or false`)
  return value
}

/**
 * The JSON body of POST /v1/write, `{ featureSet, rows: [...], onlyNewer?, allowMissing? }`, read
 * into the core's request. Only the envelope is checked here; each row is an ingest line's object
 * and the core checks it as ingest does, row by row.
 */
export function parseWriteRequest (body: unknown): FeatureWriteRequest {
  if (!isRecord(body)) throw new InvalidArgumentError('the body must be a JSON object { "featureSet", "rows", "onlyNewer"?, "allowMissing"? }')
  const extra = Object.keys(body).filter((key) => !BODY_KEYS.has(key))
  if (extra.length > 0) throw new InvalidArgumentError(`unexpected field${extra.length > 1 ? 's' : ''} ${extra.map((k) => JSON.stringify(k)).join(', ')}; a write has featureSet, rows, onlyNewer and allowMissing`)
  if (typeof body.featureSet !== 'string' || body.featureSet === '') throw new InvalidArgumentError('featureSet must name a feature set')
  if (!Array.isArray(body.rows)) throw new InvalidArgumentError('rows must be a list of { "entity_id", "event_time", "features" }, as ingest lines')
  return { featureSet: body.featureSet, rows: body.rows as unknown[], onlyNewer: flag(body, 'onlyNewer'), allowMissing: flag(body, 'allowMissing') }
}
