// Original file: proto/feature_store/v1/feature_store.proto

/**
 * Per-feature outcome, so a client can tell "no such entity" from "stored as null" from "too old"
 * without parsing messages.
 */
export const FeatureStatus = {
  /**
   * Never sent; what a newer status reads as in an older client.
   */
  FEATURE_STATUS_UNSPECIFIED: 'FEATURE_STATUS_UNSPECIFIED',
  /**
   * The value is there and within its feature set's maximum age.
   */
  FEATURE_STATUS_PRESENT: 'FEATURE_STATUS_PRESENT',
  /**
   * The row exists and stores this feature as null.
   */
  FEATURE_STATUS_NULL_VALUE: 'FEATURE_STATUS_NULL_VALUE',
  /**
   * No row for this entity in the feature set, or the row lacks the feature.
   */
  FEATURE_STATUS_NOT_FOUND: 'FEATURE_STATUS_NOT_FOUND',
  /**
   * Older than the feature set's maximum age (Feast: OUTSIDE_MAX_AGE). The value is still sent,
   * with its event time, so the caller decides whether to use it.
   */
  FEATURE_STATUS_STALE: 'FEATURE_STATUS_STALE',
  /**
   * The stored value does not match the feature's declared type; never guessed at.
   */
  FEATURE_STATUS_INVALID: 'FEATURE_STATUS_INVALID',
  /**
   * The row could not be read this time (its part of the store read was throttled or failed) while
   * the rest of the answer could; no value is sent. Retrying the lookup may succeed. When nothing at
   * all could be read, the call fails with a status instead (UNAVAILABLE, RESOURCE_EXHAUSTED, ...).
   */
  FEATURE_STATUS_UNAVAILABLE: 'FEATURE_STATUS_UNAVAILABLE',
} as const;

/**
 * Per-feature outcome, so a client can tell "no such entity" from "stored as null" from "too old"
 * without parsing messages.
 */
export type FeatureStatus =
  /**
   * Never sent; what a newer status reads as in an older client.
   */
  | 'FEATURE_STATUS_UNSPECIFIED'
  | 0
  /**
   * The value is there and within its feature set's maximum age.
   */
  | 'FEATURE_STATUS_PRESENT'
  | 1
  /**
   * The row exists and stores this feature as null.
   */
  | 'FEATURE_STATUS_NULL_VALUE'
  | 2
  /**
   * No row for this entity in the feature set, or the row lacks the feature.
   */
  | 'FEATURE_STATUS_NOT_FOUND'
  | 3
  /**
   * Older than the feature set's maximum age (Feast: OUTSIDE_MAX_AGE). The value is still sent,
   * with its event time, so the caller decides whether to use it.
   */
  | 'FEATURE_STATUS_STALE'
  | 4
  /**
   * The stored value does not match the feature's declared type; never guessed at.
   */
  | 'FEATURE_STATUS_INVALID'
  | 5
  /**
   * The row could not be read this time (its part of the store read was throttled or failed) while
   * the rest of the answer could; no value is sent. Retrying the lookup may succeed. When nothing at
   * all could be read, the call fails with a status instead (UNAVAILABLE, RESOURCE_EXHAUSTED, ...).
   */
  | 'FEATURE_STATUS_UNAVAILABLE'
  | 6

/**
 * Per-feature outcome, so a client can tell "no such entity" from "stored as null" from "too old"
 * without parsing messages.
 */
export type FeatureStatus__Output = typeof FeatureStatus[keyof typeof FeatureStatus]
