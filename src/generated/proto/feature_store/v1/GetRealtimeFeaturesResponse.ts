// Original file: proto/feature_store/v1/feature_store.proto

import type { Feature as _feature_store_v1_Feature, Feature__Output as _feature_store_v1_Feature__Output } from '../../feature_store/v1/Feature.js';

export interface GetRealtimeFeaturesResponse {
  'entity_id'?: (string);
  /**
   * Keyed by resolved reference ("feature_set:feature"); a reference named twice appears once.
   */
  'features'?: ({[key: string]: _feature_store_v1_Feature});
}

export interface GetRealtimeFeaturesResponse__Output {
  'entity_id': (string);
  /**
   * Keyed by resolved reference ("feature_set:feature"); a reference named twice appears once.
   */
  'features': ({[key: string]: _feature_store_v1_Feature__Output});
}
