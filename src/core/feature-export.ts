import { createHash } from 'node:crypto'
import type { FeatureSetSpec, FeatureSpec } from '../domain/feature-set-spec.js'
import { NAME_PATTERN } from '../domain/feature-set-spec.js'
import type { FeatureValue, ValueType } from '../domain/feature-value.js'
import { parseFeatureValue } from '../domain/parse-feature-value.js'
import type { ReadOptions } from '../domain/read-options.js'
import { InvalidCursorError, InvalidFilterError, LimitExceededError, MissingArgumentError, isFeaturegateError } from '../errors.js'
import { rowKey, type FeatureRow, type RowRequest } from '../domain/feature-row.js'
import type { BulkReader, ScanCondition, ScanPosition, SegmentPosition } from '../domain/ports/bulk-reader.js'
import type { RowReader } from '../domain/ports/row-reader.js'
import type { FeatureSetAuthorizer } from './access/feature-set-authorizer.js'
import type { Principal } from './access/principal.js'
import { MAX_ENTITY_ID_BYTES } from './entity-id.js'
import { FeatureLookup, type EntityFeatures, type LookupLimits } from './feature-lookup.js'
import type { FeatureRegistry, ResolvedFeature } from './feature-registry.js'

/** A filter as a caller writes it; values are raw (JSON-ish) and read as the feature's declared type. */
export interface FilterInput {
  readonly feature: string
  readonly eq?: unknown
  readonly ne?: unknown
  readonly lt?: unknown
  readonly lte?: unknown
  readonly gt?: unknown
  readonly gte?: unknown
  readonly in?: readonly unknown[] | null
  readonly isNull?: boolean | null
  readonly exists?: boolean | null
  readonly withinLastSeconds?: number | null
}

export interface ExportRequest {
  /** The caller, refused any set the pull touches that it may not read; undefined with no access rules. */
  readonly principal?: Principal
  readonly featureSet: string
  readonly features: readonly string[]
  readonly first: number
  readonly after?: string | null
  readonly filters?: readonly FilterInput[] | null
  /** Row event time window on `featureSet`, ms since the epoch. */
  readonly eventTimeAfter?: number | null
  readonly eventTimeBefore?: number | null
  readonly segment?: { readonly index: number, readonly count: number } | null
}

export interface ExportLimits {
  readonly maxPageSize: number
  readonly maxFeaturesPerRequest: number
  readonly maxScanItemsPerPage: number
  readonly scanSegments: number
  readonly defaultDeadlineMs: number
}

/** A checked request: everything a caller can get wrong was found before any store call. */
export interface ExportPlan {
  readonly featureSet: FeatureSetSpec
  readonly features: readonly ResolvedFeature[]
  readonly first: number
  /** Conditions on `featureSet` (and its event time), evaluated by DynamoDB. */
  readonly pushedDown: readonly ScanCondition[]
  /** Conditions on other sets' features, evaluated here after reading those rows by key. */
  readonly residual: ReadonlyMap<string, { readonly spec: FeatureSetSpec, readonly conditions: readonly ScanCondition[] }>
  readonly describePushedDown: readonly string[]
  readonly describeResidual: readonly string[]
  readonly segments: readonly number[]
  readonly position: ScanPosition
  /** When the pull started: relative time windows and staleness are judged as of then, on every page. */
  readonly startedAt: number
  readonly fingerprint: string
}

export interface ExportRow {
  readonly entity: EntityFeatures
  readonly cursor: string
}

export interface ExportPage {
  readonly features: readonly ResolvedFeature[]
  readonly rows: readonly ExportRow[]
  readonly hasNextPage: boolean
  readonly endCursor: string | undefined
  readonly itemsScanned: number
  readonly storeCalls: number
}

const SCALAR_TYPES: ReadonlySet<ValueType> = new Set(['double', 'int64', 'string', 'bool', 'timestamp'])
const MAX_IN_VALUES = 100
const MAX_FILTERS = 50
const MAX_TOTAL_SEGMENTS = 1_000
const CURSOR_VERSION = 1
/** Candidates read per wanted row when gateway-side filters will drop some. */
const RESIDUAL_OVERREAD = 2

const COMPARISONS = [
  ['eq', '='], ['ne', '<>'], ['lt', '<'], ['lte', '<='], ['gt', '>'], ['gte', '>=']
] as const

/**
 * Bulk pulls for training: the entities of one feature set page by page (opaque cursors carrying
 * each scan segment's position), with the requested features of any set and filters. Rows come from
 * the bulk scanner (no cache); the values and statuses come from the same FeatureLookup code the
 * online path uses, fed from the page's rows, so a pulled value reads exactly as a looked-up one.
 */
export class FeatureExport {
  readonly #registry: FeatureRegistry
  readonly #scanner: BulkReader
  readonly #limits: ExportLimits
  readonly #access: FeatureSetAuthorizer | undefined

  constructor (registry: FeatureRegistry, scanner: BulkReader, limits: ExportLimits, access?: FeatureSetAuthorizer) {
    this.#registry = registry
    this.#scanner = scanner
    this.#limits = limits
    this.#access = access
  }

  get limits (): ExportLimits {
    return this.#limits
  }

  plan (request: ExportRequest, now = Date.now()): ExportPlan {
    const { maxPageSize } = this.#limits
    if (!Number.isInteger(request.first) || request.first < 1) throw new LimitExceededError('rows per page', request.first, 'at least 1')
    if (request.first > maxPageSize) throw new LimitExceededError('rows per page', request.first, maxPageSize)
    const featureSet = this.#registry.featureSet(request.featureSet)
    if (request.features.length === 0) throw new MissingArgumentError('feature')
    const features = this.#registry.resolve(request.features)
    if (features.length > this.#limits.maxFeaturesPerRequest) throw new LimitExceededError('features', features.length, this.#limits.maxFeaturesPerRequest)

    let totalSegments = this.#limits.scanSegments
    let segments = Array.from({ length: totalSegments }, (_, i) => i)
    if (request.segment !== undefined && request.segment !== null) {
      const { index, count } = request.segment
      if (!Number.isInteger(count) || count < 1 || count > MAX_TOTAL_SEGMENTS) throw new InvalidFilterError('segment', `count must be an integer from 1 to ${MAX_TOTAL_SEGMENTS}`)
      if (!Number.isInteger(index) || index < 0 || index >= count) throw new InvalidFilterError('segment', `index must be an integer from 0 to ${count - 1}`)
      totalSegments = count
      segments = [index]
    }

    const filters = request.filters ?? []
    if (filters.length > MAX_FILTERS) throw new LimitExceededError('filters', filters.length, MAX_FILTERS)
    const window = { after: request.eventTimeAfter ?? undefined, before: request.eventTimeBefore ?? undefined }
    // A cursor only continues the pull it came from: same set, filters, window and segmentation.
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([featureSet.name, filters.map(canonicalFilter), window.after ?? null, window.before ?? null, totalSegments, segments]))
      .digest('base64url').slice(0, 16)
    let position: ScanPosition = { totalSegments, segments: Array.from({ length: totalSegments }, () => 'start' as const) }
    // Relative windows (withinLastSeconds) and staleness are judged as of the pull's first page, on every page.
    let startedAt = now
    if (request.after !== undefined && request.after !== null) {
      const cursor = decodeCursor(request.after, fingerprint, totalSegments)
      position = cursor.position
      startedAt = cursor.startedAt
    }

    const pushedDown: ScanCondition[] = []
    const describePushedDown: string[] = []
    const describeResidual: string[] = []
    const residual = new Map<string, { spec: FeatureSetSpec, conditions: ScanCondition[] }>()
    for (const filter of filters) {
      if (typeof filter.feature !== 'string' || !filter.feature.includes(':')) throw new InvalidFilterError(String(filter.feature), 'name one feature as feature_set:feature')
      const [target] = this.#registry.resolve([filter.feature])
      if (target === undefined) throw new InvalidFilterError(filter.feature, 'name one feature as feature_set:feature')
      const conditions = parseFilter(filter, target.feature, startedAt)
      const described = conditions.map((c) => describe(target.ref, c))
      if (target.featureSet.name === featureSet.name) {
        pushedDown.push(...conditions)
        describePushedDown.push(...described)
      } else {
        const entry = residual.get(target.featureSet.name) ?? { spec: target.featureSet, conditions: [] }
        entry.conditions.push(...conditions)
        residual.set(target.featureSet.name, entry)
        describeResidual.push(...described)
      }
    }
    if (window.after !== undefined) {
      pushedDown.push({ kind: 'event_time', op: '>=', value: window.after })
      describePushedDown.push(`${featureSet.name} event time >= ${new Date(window.after).toISOString()}`)
    }
    if (window.before !== undefined) {
      pushedDown.push({ kind: 'event_time', op: '<', value: window.before })
      describePushedDown.push(`${featureSet.name} event time < ${new Date(window.before).toISOString()}`)
    }
    if (request.principal !== undefined && this.#access !== undefined) {
      this.#access.authorizeFeatureSets(request.principal, new Set([featureSet.name, ...features.map((f) => f.featureSet.name), ...residual.keys()]))
    }
    return { featureSet, features, first: request.first, pushedDown, residual, describePushedDown, describeResidual, segments, position, startedAt, fingerprint }
  }

  /** One page: scan until `first` rows match, the covered segments end, or the page's item budget is spent. */
  async page (plan: ExportPlan, options: ReadOptions = {}): Promise<ExportPage> {
    const readOptions: ReadOptions = { signal: options.signal, deadlineAt: options.deadlineAt ?? Date.now() + this.#limits.defaultDeadlineMs }
    const drivingNames = new Set(plan.features.filter((f) => f.featureSet.name === plan.featureSet.name).map((f) => f.feature.name))
    const known = new Map<string, FeatureRow | undefined>()
    const kept: Array<{ entityId: string, after: ScanPosition }> = []
    let position = plan.position
    let exhausted = position.segments.every((s, i) => s === 'done' || !plan.segments.includes(i))
    let itemsScanned = 0
    let storeCalls = 0
    while (kept.length < plan.first && !exhausted && itemsScanned < this.#limits.maxScanItemsPerPage) {
      const wanted = plan.first - kept.length
      const result = await this.#scanner.scan({
        featureSet: plan.featureSet,
        attributes: [...drivingNames],
        conditions: plan.pushedDown,
        position,
        segments: plan.segments,
        maxRows: plan.residual.size > 0 ? wanted * RESIDUAL_OVERREAD : wanted,
        maxItems: this.#limits.maxScanItemsPerPage - itemsScanned,
        parallelism: plan.segments.length
      }, readOptions)
      itemsScanned += result.itemsScanned
      storeCalls += result.calls
      for (const scanned of result.rows) known.set(rowKey(plan.featureSet.name, scanned.entityId), scanned.row)
      let candidates = result.rows
      if (plan.residual.size > 0 && candidates.length > 0) {
        const requests: RowRequest[] = []
        for (const { spec, conditions } of plan.residual.values()) {
          // The set's requested columns too, so the answer needs no second read of these rows.
          const names = [...new Set([
            ...conditions.flatMap((c) => c.kind === 'event_time' ? [] : [c.feature]),
            ...plan.features.filter((f) => f.featureSet.name === spec.name).map((f) => f.feature.name)
          ])]
          for (const row of candidates) requests.push({ entityId: row.entityId, featureSet: spec, features: names })
        }
        const rows = await this.#scanner.readRows(requests, readOptions)
        storeCalls += Math.ceil(requests.length / 100)
        requests.forEach((r, i) => known.set(rowKey(r.featureSet.name, r.entityId), rows[i]))
        candidates = candidates.filter((c) => {
          for (const { spec, conditions } of plan.residual.values()) {
            const row = known.get(rowKey(spec.name, c.entityId))
            if (!conditions.every((condition) => matches(row, condition))) return false
          }
          return true
        })
      }
      if (candidates.length > wanted) {
        candidates = candidates.slice(0, wanted)
        position = candidates[candidates.length - 1]!.after
      } else {
        position = result.position
        exhausted = result.exhausted
      }
      for (const c of candidates) kept.push({ entityId: c.entityId, after: c.after })
    }

    // Values and statuses through the lookup's own code, from the rows in hand; other sets' rows by key.
    const reader: RowReader = {
      readRows: async (requests, readOpts) => {
        const missing = requests.filter((r) => !known.has(rowKey(r.featureSet.name, r.entityId)) && r.featureSet.name !== plan.featureSet.name)
        if (missing.length > 0) {
          const fetched = await this.#scanner.readRows(missing, readOpts)
          storeCalls += Math.ceil(missing.length / 100)
          missing.forEach((r, i) => known.set(rowKey(r.featureSet.name, r.entityId), fetched[i]))
        }
        return requests.map((r) => known.get(rowKey(r.featureSet.name, r.entityId)))
      }
    }
    const lookupLimits: LookupLimits = { maxEntitiesPerRequest: plan.first, maxFeaturesPerRequest: this.#limits.maxFeaturesPerRequest, defaultDeadlineMs: this.#limits.defaultDeadlineMs }
    const result = kept.length === 0
      ? { features: plan.features, entities: [] }
      : await new FeatureLookup(this.#registry, reader, lookupLimits).read(kept.map((k) => k.entityId), plan.features, { ...readOptions, now: plan.startedAt })
    const rows = result.entities.map((entity, i) => ({ entity, cursor: encodeCursor(plan, kept[i]!.after) }))
    const hasNextPage = !exhausted
    return {
      features: plan.features,
      rows,
      hasNextPage,
      endCursor: hasNextPage || rows.length > 0 ? encodeCursor(plan, position) : undefined,
      itemsScanned,
      storeCalls
    }
  }
}

function parseOperand (filter: FilterInput, feature: FeatureSpec, raw: unknown, what: string): FeatureValue {
  let value: FeatureValue | null
  try {
    value = parseFeatureValue(feature, raw)
  } catch (error) {
    if (isFeaturegateError(error)) throw new InvalidFilterError(filter.feature, `${what}: ${error.message}`)
    throw error
  }
  if (value === null) throw new InvalidFilterError(filter.feature, `${what} cannot be null (use isNull)`)
  return value
}

/** The conditions one filter stands for, checked against the feature's declared type. */
export function parseFilter (filter: FilterInput, feature: FeatureSpec, now: number): ScanCondition[] {
  if (!SCALAR_TYPES.has(feature.type)) throw new InvalidFilterError(filter.feature, `only double, int64, string, bool and timestamp features can be filtered, this one is ${feature.type}`)
  const conditions: ScanCondition[] = []
  for (const [key, op] of COMPARISONS) {
    const raw = filter[key]
    if (raw === undefined || raw === null) continue
    if (feature.type === 'bool' && key !== 'eq' && key !== 'ne') throw new InvalidFilterError(filter.feature, `${key} does not apply to a bool feature`)
    conditions.push({ kind: 'compare', feature: feature.name, op, value: parseOperand(filter, feature, raw, key) })
  }
  if (filter.in !== undefined && filter.in !== null) {
    if (filter.in.length === 0 || filter.in.length > MAX_IN_VALUES) throw new InvalidFilterError(filter.feature, `in takes 1 to ${MAX_IN_VALUES} values, got ${filter.in.length}`)
    conditions.push({ kind: 'in', feature: feature.name, values: filter.in.map((raw) => parseOperand(filter, feature, raw, 'in')) })
  }
  if (filter.isNull !== undefined && filter.isNull !== null) conditions.push({ kind: 'null', feature: feature.name, isNull: filter.isNull })
  if (filter.exists !== undefined && filter.exists !== null) conditions.push({ kind: 'exists', feature: feature.name, exists: filter.exists })
  if (filter.withinLastSeconds !== undefined && filter.withinLastSeconds !== null) {
    if (feature.type !== 'timestamp') throw new InvalidFilterError(filter.feature, 'withinLastSeconds applies to timestamp features only')
    if (!Number.isInteger(filter.withinLastSeconds) || filter.withinLastSeconds < 0) throw new InvalidFilterError(filter.feature, 'withinLastSeconds must be a non-negative integer')
    conditions.push({ kind: 'compare', feature: feature.name, op: '>=', value: { type: 'timestamp', value: now - filter.withinLastSeconds * 1000 } })
  }
  if (conditions.length === 0) throw new InvalidFilterError(filter.feature, 'give at least one of eq, ne, lt, lte, gt, gte, in, isNull, exists, withinLastSeconds')
  return conditions
}

function canonicalFilter (filter: FilterInput): unknown {
  const out: Record<string, unknown> = {}
  for (const key of ['feature', 'eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'isNull', 'exists', 'withinLastSeconds'] as const) {
    const value = filter[key]
    if (value !== undefined && value !== null) out[key] = value
  }
  return out
}

function formatOperand (value: FeatureValue): string {
  switch (value.type) {
    case 'string': return JSON.stringify(value.value)
    case 'timestamp': return new Date(value.value).toISOString()
    case 'int64': return value.value.toString()
    default: return String(value.value)
  }
}

function describe (ref: string, condition: ScanCondition): string {
  switch (condition.kind) {
    case 'compare': return `${ref} ${condition.op} ${formatOperand(condition.value)}`
    case 'in': return `${ref} IN (${condition.values.map(formatOperand).join(', ')})`
    case 'null': return condition.isNull ? `${ref} IS NULL` : `${ref} IS NOT NULL`
    case 'exists': return condition.exists ? `${ref} EXISTS` : `${ref} IS MISSING`
    case 'event_time': return `event time ${condition.op} ${new Date(condition.value).toISOString()}`
  }
}

/**
 * The gateway's evaluation of a condition, with DynamoDB's semantics: a comparison holds only for a
 * present value of the operand's type; strings compare by UTF-8 bytes; numbers exactly (int64 as BigInt).
 */
export function matches (row: FeatureRow | undefined, condition: ScanCondition): boolean {
  if (condition.kind === 'event_time') {
    if (row === undefined) return false
    return condition.op === '>=' ? row.eventTime >= condition.value : row.eventTime < condition.value
  }
  const stored = row?.values.get(condition.feature)
  const invalid = row?.invalid.has(condition.feature) ?? false
  switch (condition.kind) {
    case 'exists': return (stored !== undefined || invalid) === condition.exists
    case 'null': return condition.isNull ? stored === null : (stored !== undefined && stored !== null) || invalid
    case 'compare': {
      if (stored === undefined || stored === null) return false
      const order = compareValues(stored, condition.value)
      if (order === undefined) return false
      switch (condition.op) {
        case '=': return order === 0
        case '<>': return order !== 0
        case '<': return order < 0
        case '<=': return order <= 0
        case '>': return order > 0
        case '>=': return order >= 0
      }
      break
    }
    case 'in': {
      if (stored === undefined || stored === null) return false
      return condition.values.some((value) => compareValues(stored, value) === 0)
    }
  }
  return false
}

function compareValues (a: FeatureValue, b: FeatureValue): number | undefined {
  if ((a.type === 'double' || a.type === 'timestamp') && (b.type === 'double' || b.type === 'timestamp')) return Math.sign(a.value - b.value)
  if (a.type === 'int64' && b.type === 'int64') return a.value < b.value ? -1 : a.value > b.value ? 1 : 0
  if (a.type === 'string' && b.type === 'string') return Math.sign(Buffer.compare(Buffer.from(a.value), Buffer.from(b.value)))
  if (a.type === 'bool' && b.type === 'bool') return a.value === b.value ? 0 : 1
  return undefined
}

interface CursorBody {
  readonly v: number
  readonly f: string
  readonly t0: number
  readonly n: number
  readonly p: ReadonlyArray<0 | 1 | readonly [string, string]>
}

function encodeCursor (plan: ExportPlan, position: ScanPosition): string {
  const body: CursorBody = {
    v: CURSOR_VERSION,
    f: plan.fingerprint,
    t0: plan.startedAt,
    n: position.totalSegments,
    p: position.segments.map((s) => s === 'start' ? 0 : s === 'done' ? 1 : [s.entityId, s.featureSet] as const)
  }
  return Buffer.from(JSON.stringify(body)).toString('base64url')
}

/** Cursors are opaque to callers but checked strictly here: a tampered one is refused, never scanned with. */
function decodeCursor (text: string, fingerprint: string, totalSegments: number): { position: ScanPosition, startedAt: number } {
  if (text.length > 100_000 || !/^[A-Za-z0-9_-]+$/.test(text)) throw new InvalidCursorError('not a cursor from this API')
  let body: unknown
  try {
    body = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    throw new InvalidCursorError('not a cursor from this API')
  }
  const b = body as Partial<CursorBody>
  if (typeof body !== 'object' || body === null || b.v !== CURSOR_VERSION || typeof b.f !== 'string' || typeof b.t0 !== 'number' ||
    !Number.isSafeInteger(b.t0) || b.n !== totalSegments || !Array.isArray(b.p) || b.p.length !== totalSegments) {
    throw new InvalidCursorError('not a cursor from this API')
  }
  if (b.f !== fingerprint) throw new InvalidCursorError('it belongs to a pull with another feature set, filters, time window or segmentation')
  const segments: SegmentPosition[] = b.p.map((entry: unknown) => {
    if (entry === 0) return 'start'
    if (entry === 1) return 'done'
    if (Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string' && typeof entry[1] === 'string' &&
      entry[0].length > 0 && Buffer.byteLength(entry[0]) <= MAX_ENTITY_ID_BYTES && NAME_PATTERN.test(entry[1])) {
      return { entityId: entry[0], featureSet: entry[1] }
    }
    throw new InvalidCursorError('not a cursor from this API')
  })
  return { position: { totalSegments, segments }, startedAt: b.t0 }
}
