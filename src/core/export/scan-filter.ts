import type { FeatureSpec } from '../../domain/feature-set-spec.js'
import type { FeatureValue, ValueType } from '../../domain/feature-value.js'
import type { FeatureRow } from '../../domain/feature-row.js'
import type { ScanCondition } from '../../domain/ports/bulk-reader.js'
import { parseFeatureValue } from '../../domain/parse-feature-value.js'
import { InvalidFilterError, isFeaturegateError } from '../../errors.js'

/**
 * The pull filter language: what a caller writes (FilterInput), the conditions it stands for
 * (checked against the feature's declared type), how they read to a person, and the gateway's own
 * evaluation of them for filters on other sets' rows, with the store's semantics.
 */

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

const SCALAR_TYPES: ReadonlySet<ValueType> = new Set(['double', 'int64', 'string', 'bool', 'timestamp'])
const MAX_IN_VALUES = 100

const COMPARISONS = [
  ['eq', '='], ['ne', '<>'], ['lt', '<'], ['lte', '<='], ['gt', '>'], ['gte', '>=']
] as const

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

export function canonicalFilter (filter: FilterInput): unknown {
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

export function describeCondition (ref: string, condition: ScanCondition): string {
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
