// Original file: proto/feature_store/v1/feature_store.proto

import type { Value as _feature_store_v1_Value, Value__Output as _feature_store_v1_Value__Output } from '../../feature_store/v1/Value.js';
import type { FeatureStatus as _feature_store_v1_FeatureStatus, FeatureStatus__Output as _feature_store_v1_FeatureStatus__Output } from '../../feature_store/v1/FeatureStatus.js';
import type { Long } from '@grpc/proto-loader';

/**
 * One feature of one entity.
 */
export interface Feature {
  'value'?: (_feature_store_v1_Value | null);
  'status'?: (_feature_store_v1_FeatureStatus);
  /**
   * As FeatureVector.event_times_ms.
   */
  'event_time_ms'?: (number | string | Long);
}

/**
 * One feature of one entity.
 */
export interface Feature__Output {
  'value': (_feature_store_v1_Value__Output | null);
  'status': (_feature_store_v1_FeatureStatus__Output);
  /**
   * As FeatureVector.event_times_ms.
   */
  'event_time_ms': (string);
}
