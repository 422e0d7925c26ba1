// Original file: proto/feature_store/v1/feature_store.proto

import type { WriteResult as _feature_store_v1_WriteResult, WriteResult__Output as _feature_store_v1_WriteResult__Output } from '../../feature_store/v1/WriteResult.js';

export interface WriteFeaturesResponse {
  /**
   * One per request row, in request order.
   */
  'results'?: (_feature_store_v1_WriteResult)[];
  /**
   * How many results have each outcome.
   */
  'written'?: (number);
  'left_alone'?: (number);
  'rejected'?: (number);
}

export interface WriteFeaturesResponse__Output {
  /**
   * One per request row, in request order.
   */
  'results': (_feature_store_v1_WriteResult__Output)[];
  /**
   * How many results have each outcome.
   */
  'written': (number);
  'left_alone': (number);
  'rejected': (number);
}
