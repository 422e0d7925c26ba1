// Original file: proto/feature_store/v1/feature_store.proto

import type { Value as _feature_store_v1_Value, Value__Output as _feature_store_v1_Value__Output } from '../../feature_store/v1/Value.js';
import type { Long } from '@grpc/proto-loader';

/**
 * One entity's row in the set, as an ingest line holds it.
 */
export interface WriteRow {
  'entity_id'?: (string);
  /**
   * When the values were true, ms since the Unix epoch (1970 to 2200); required.
   */
  'event_time_ms'?: (number | string | Long);
  /**
   * By feature name; each Value's member must be the one of the feature's declared type (as read
   * responses carry it), and an empty Value stores null.
   */
  'features'?: ({[key: string]: _feature_store_v1_Value});
  '_event_time_ms'?: "event_time_ms";
}

/**
 * One entity's row in the set, as an ingest line holds it.
 */
export interface WriteRow__Output {
  'entity_id': (string);
  /**
   * When the values were true, ms since the Unix epoch (1970 to 2200); required.
   */
  'event_time_ms'?: (string);
  /**
   * By feature name; each Value's member must be the one of the feature's declared type (as read
   * responses carry it), and an empty Value stores null.
   */
  'features': ({[key: string]: _feature_store_v1_Value__Output});
  '_event_time_ms'?: "event_time_ms";
}
