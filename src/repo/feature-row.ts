import type { FeatureValue } from '../domain/feature-value.js'
import type { FeatureSetSpec } from '../domain/feature-set-spec.js'

/** One stored row: the values one pipeline wrote for one entity in one feature set, at one event time. */
export interface FeatureRow {
  /** Milliseconds since the Unix epoch. */
  readonly eventTime: number
  /** A feature stored as null maps to null; a feature absent from the row is absent from the map. */
  readonly values: ReadonlyMap<string, FeatureValue | null>
  /** Features whose stored attribute does not match the declared type (e.g. after a type change). */
  readonly invalid: ReadonlySet<string>
}

export interface RowRequest {
  readonly entityId: string
  readonly featureSet: FeatureSetSpec
  /** Feature names to read; undefined reads the whole row. */
  readonly features: readonly string[] | undefined
}

/** Attribute names of our own. Feature names start with a letter, so these never collide with one. */
export const ENTITY_ATTR = '_e'
export const SET_ATTR = '_s'
export const EVENT_TIME_ATTR = '_t'

export function rowCacheKey (featureSet: string, entityId: string): string {
  return `${featureSet}\u0000${entityId}`
}
