import type { Principal } from '../../core/access/principal.js'
import type { FilterInput } from '../../core/export/feature-export.js'
import type { PullRequest } from '../../core/export/feature-pull.js'
import { parseTimestamp } from '../../domain/parse-feature-value.js'
import { InvalidArgumentError } from '../../errors.js'

/**
 * The JSON body of POST /v1/pull, read into the core's PullRequest. The arguments are featureRows'
 * (README, "Streaming pulls"), with its input shapes: FeatureFilter, ScanSegment, DateTime. Only
 * the shapes are checked here; what they mean (sets, features, filters against declared types,
 * cursors, limits) the core checks, once for both protocols.
 */
const BODY_KEYS = new Set(['featureSet', 'features', 'filter', 'eventTimeAfter', 'eventTimeBefore', 'segment', 'after', 'batchSize'])
const OPERANDS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte'] as const
const FILTER_KEYS = new Set<string>(['feature', ...OPERANDS, 'in', 'isNull', 'exists', 'withinLastSeconds'])

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function refuse (what: string): never {
  throw new InvalidArgumentError(what)
}

function optional<T> (value: unknown, read: (v: unknown) => T): T | undefined {
  return value === undefined || value === null ? undefined : read(value)
}

/** FilterValue: a number, a string or a boolean, as GraphQL's scalar takes it. */
function filterValue (value: unknown, where: string): string | number | boolean {
  if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return value
  return refuse(`${where} takes a number, a string or a boolean`)
}

function integer (value: unknown, where: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value
  return refuse(`${where} must be an integer`)
}

function boolean (value: unknown, where: string): boolean {
  if (typeof value === 'boolean') return value
  return refuse(`${where} must be true or false`)
}

function filterInput (raw: unknown, i: number): FilterInput {
  const where = `filter[${i}]`
  if (!isRecord(raw)) return refuse(`${where} must be an object such as {"feature": "set:feature", "gte": 1}`)
  for (const key of Object.keys(raw)) if (!FILTER_KEYS.has(key)) refuse(`${where} has no field "${key}"`)
  if (typeof raw.feature !== 'string') refuse(`${where}.feature must be a string "feature_set:feature"`)
  const filter: Record<string, unknown> = { feature: raw.feature }
  for (const op of OPERANDS) {
    const value = optional(raw[op], (v) => filterValue(v, `${where}.${op}`))
    if (value !== undefined) filter[op] = value
  }
  if (raw.in !== undefined && raw.in !== null) {
    if (!Array.isArray(raw.in)) refuse(`${where}.in must be a list`)
    filter.in = raw.in.map((v: unknown, j) => filterValue(v, `${where}.in[${j}]`))
  }
  const isNull = optional(raw.isNull, (v) => boolean(v, `${where}.isNull`))
  if (isNull !== undefined) filter.isNull = isNull
  const exists = optional(raw.exists, (v) => boolean(v, `${where}.exists`))
  if (exists !== undefined) filter.exists = exists
  const within = optional(raw.withinLastSeconds, (v) => integer(v, `${where}.withinLastSeconds`))
  if (within !== undefined) filter.withinLastSeconds = within
  return filter as unknown as FilterInput
}

function dateTime (value: unknown, where: string): number {
  return parseTimestamp(value) ?? refuse(`${where} takes epoch milliseconds or an ISO-8601 time such as 2026-11-20T10:00:00Z`)
}

export function parsePullRequest (body: unknown, principal: Principal | undefined): PullRequest {
  if (!isRecord(body)) return refuse('the body must be a JSON object such as {"featureSet": "user_profile", "features": ["user_profile"]}')
  for (const key of Object.keys(body)) if (!BODY_KEYS.has(key)) refuse(`the body has no field "${key}"`)
  if (typeof body.featureSet !== 'string') refuse('featureSet must be the name of a feature set')
  if (!Array.isArray(body.features) || !body.features.every((f) => typeof f === 'string')) refuse('features must be a list of references such as "user_profile:age" or "user_profile"')
  if (body.filter !== undefined && body.filter !== null && !Array.isArray(body.filter)) refuse('filter must be a list of filters')
  const segment = optional(body.segment, (raw) => {
    if (!isRecord(raw) || Object.keys(raw).some((k) => k !== 'index' && k !== 'count')) return refuse('segment must be {"index": i, "count": n}')
    return { index: integer(raw.index, 'segment.index'), count: integer(raw.count, 'segment.count') }
  })
  return {
    principal,
    featureSet: body.featureSet,
    features: body.features as string[],
    filters: optional(body.filter, (raw) => (raw as unknown[]).map(filterInput)),
    eventTimeAfter: optional(body.eventTimeAfter, (v) => dateTime(v, 'eventTimeAfter')),
    eventTimeBefore: optional(body.eventTimeBefore, (v) => dateTime(v, 'eventTimeBefore')),
    segment,
    after: optional(body.after, (v) => typeof v === 'string' ? v : refuse('after must be a resume token (a string)')),
    batchRows: optional(body.batchSize, (v) => integer(v, 'batchSize'))
  }
}
