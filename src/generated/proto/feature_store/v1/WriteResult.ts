// Original file: proto/feature_store/v1/feature_store.proto

import type { WriteOutcome as _feature_store_v1_WriteOutcome, WriteOutcome__Output as _feature_store_v1_WriteOutcome__Output } from '../../feature_store/v1/WriteOutcome.js';

export interface WriteResult {
  'outcome'?: (_feature_store_v1_WriteOutcome);
  /**
   * Why the row was rejected (the reason CLI ingest gives for the same line); empty otherwise.
   */
  'reason'?: (string);
}

export interface WriteResult__Output {
  'outcome': (_feature_store_v1_WriteOutcome__Output);
  /**
   * Why the row was rejected (the reason CLI ingest gives for the same line); empty otherwise.
   */
  'reason': (string);
}
