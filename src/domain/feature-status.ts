/**
 * Per-feature outcome of a lookup. Named after Feast's statuses so clients can tell "no such entity"
 * from "stored as null" from "too old" without parsing messages. STALE is Feast's OUTSIDE_MAX_AGE:
 * the value is still returned, with its event time, so the caller decides what to do with it.
 * INVALID: the stored attribute does not match the feature's declared type (never guessed at).
 * UNAVAILABLE: the row could not be read this time while the rest of the answer could (a throttled or
 * failed part of a store read); a lookup where nothing could be read fails instead.
 */
export type FeatureStatus = 'PRESENT' | 'NULL_VALUE' | 'NOT_FOUND' | 'STALE' | 'INVALID' | 'UNAVAILABLE'

export const FEATURE_STATUSES: readonly FeatureStatus[] = ['PRESENT', 'NULL_VALUE', 'NOT_FOUND', 'STALE', 'INVALID', 'UNAVAILABLE']
