/**
 * Per-feature outcome of a lookup. Named after Feast's statuses so clients can tell "no such entity"
 * from "stored as null" from "too old" without parsing messages. STALE is Feast's OUTSIDE_MAX_AGE:
 * the value is still returned, with its event time, so the caller decides what to do with it.
 * INVALID: the stored attribute does not match the feature's declared type (never guessed at).
 */
export type FeatureStatus = 'PRESENT' | 'NULL_VALUE' | 'NOT_FOUND' | 'STALE' | 'INVALID'

export const FEATURE_STATUSES: readonly FeatureStatus[] = ['PRESENT', 'NULL_VALUE', 'NOT_FOUND', 'STALE', 'INVALID']
