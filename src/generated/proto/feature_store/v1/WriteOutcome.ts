// Original file: proto/feature_store/v1/feature_store.proto

export const WriteOutcome = {
  /**
   * Never sent; what a newer outcome reads as in an older client.
   */
  WRITE_OUTCOME_UNSPECIFIED: 'WRITE_OUTCOME_UNSPECIFIED',
  /**
   * The row is stored.
   */
  WRITE_OUTCOME_WRITTEN: 'WRITE_OUTCOME_WRITTEN',
  /**
   * only_newer: the stored row's event time is later, so it was kept.
   */
  WRITE_OUTCOME_LEFT_ALONE: 'WRITE_OUTCOME_LEFT_ALONE',
  /**
   * The row is invalid for the set (see reason); nothing was written for it.
   */
  WRITE_OUTCOME_REJECTED: 'WRITE_OUTCOME_REJECTED',
} as const;

export type WriteOutcome =
  /**
   * Never sent; what a newer outcome reads as in an older client.
   */
  | 'WRITE_OUTCOME_UNSPECIFIED'
  | 0
  /**
   * The row is stored.
   */
  | 'WRITE_OUTCOME_WRITTEN'
  | 1
  /**
   * only_newer: the stored row's event time is later, so it was kept.
   */
  | 'WRITE_OUTCOME_LEFT_ALONE'
  | 2
  /**
   * The row is invalid for the set (see reason); nothing was written for it.
   */
  | 'WRITE_OUTCOME_REJECTED'
  | 3

export type WriteOutcome__Output = typeof WriteOutcome[keyof typeof WriteOutcome]
