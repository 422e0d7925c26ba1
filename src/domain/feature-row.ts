import type { FeaturegateError } from '../errors.js'
import type { FeatureSetSpec } from './feature-set-spec.js'
import type { FeatureValue } from './feature-value.js'

/** One stored row: the values one pipeline wrote for one entity in one feature set, at one event time. */
export interface FeatureRow {
  /** Milliseconds since the Unix epoch. */
  readonly eventTime: number
  /** A feature stored as null maps to null; a feature absent from the row is absent from the map. */
  readonly values: ReadonlyMap<string, FeatureValue | null>
  /** Features whose stored attribute does not match the declared type (e.g. after a type change). */
  readonly invalid: ReadonlySet<string>
  /** Served from an expired cache entry because the store could not be read (stale-if-error): every value reads as STALE. */
  readonly staleIfError?: true
}

/**
 * A row that could not be read while others in the same read could (its part of the store read was
 * throttled or failed), with the typed error the whole read would have failed with.
 */
export interface UnreadRow {
  readonly unread: FeaturegateError
}

/** What a read says of one requested row: the row, no such row (undefined), or that it could not be read. */
export type RowResult = FeatureRow | UnreadRow | undefined

export function isUnread (row: RowResult): row is UnreadRow {
  return row !== undefined && 'unread' in row
}

/** Which row to read: one entity in one feature set, and the features wanted from it. */
export interface RowRequest {
  readonly entityId: string
  readonly featureSet: FeatureSetSpec
  /** Feature names to read; undefined reads the whole row. */
  readonly features: readonly string[] | undefined
}

/** A row's identity, without the spec it is read with. */
export interface RowKey {
  readonly entityId: string
  readonly featureSet: string
}

/** One string per (feature set, entity), for maps and caches; NUL cannot occur in a set name. */
export function rowKey (featureSet: string, entityId: string): string {
  return `${featureSet}\u0000${entityId}`
}
