import type { ValueType } from './feature-value.js'

export interface FeatureSpec {
  readonly name: string
  readonly type: ValueType
  /** Required for float_vector, absent otherwise. */
  readonly dimension?: number
  readonly description?: string
  readonly owner?: string
  readonly tags?: readonly string[]
}

export interface FeatureSetSpec {
  readonly name: string
  /** e.g. "user": every row of the set is keyed by one entity id of this type. */
  readonly entityType: string
  readonly features: readonly FeatureSpec[]
  /** Values whose event time is older than this are reported STALE. Absent: never stale. */
  readonly maxAgeSeconds?: number
  readonly description?: string
  readonly owner?: string
  readonly tags?: readonly string[]
}

/** Names end up as DynamoDB attribute names and in GraphQL/gRPC answers: keep them plain identifiers. */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,127}$/
