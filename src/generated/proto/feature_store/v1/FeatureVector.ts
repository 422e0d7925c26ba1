// Original file: proto/feature_store/v1/feature_store.proto

import type { Value as _feature_store_v1_Value, Value__Output as _feature_store_v1_Value__Output } from '../../feature_store/v1/Value.js';
import type { FeatureStatus as _feature_store_v1_FeatureStatus, FeatureStatus__Output as _feature_store_v1_FeatureStatus__Output } from '../../feature_store/v1/FeatureStatus.js';
import type { Long } from '@grpc/proto-loader';

/**
 * One feature over all requested entities; the three arrays have one entry per entity.
 */
export interface FeatureVector {
  /**
   * Unset (empty Value) wherever the status is not PRESENT or STALE.
   */
  'values'?: (_feature_store_v1_Value)[];
  'statuses'?: (_feature_store_v1_FeatureStatus)[];
  /**
   * Event time of the stored row the value came from, ms since the Unix epoch; 0 when no row
   * was found.
   */
  'event_times_ms'?: (number | string | Long)[];
}

/**
 * One feature over all requested entities; the three arrays have one entry per entity.
 */
export interface FeatureVector__Output {
  /**
   * Unset (empty Value) wherever the status is not PRESENT or STALE.
   */
  'values': (_feature_store_v1_Value__Output)[];
  'statuses': (_feature_store_v1_FeatureStatus__Output)[];
  /**
   * Event time of the stored row the value came from, ms since the Unix epoch; 0 when no row
   * was found.
   */
  'event_times_ms': (string)[];
}
