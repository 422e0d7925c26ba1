// Original file: proto/feature_store/v1/feature_store.proto

import type { FloatList as _feature_store_v1_FloatList, FloatList__Output as _feature_store_v1_FloatList__Output } from '../../feature_store/v1/FloatList.js';
import type { DoubleList as _feature_store_v1_DoubleList, DoubleList__Output as _feature_store_v1_DoubleList__Output } from '../../feature_store/v1/DoubleList.js';
import type { Int64List as _feature_store_v1_Int64List, Int64List__Output as _feature_store_v1_Int64List__Output } from '../../feature_store/v1/Int64List.js';
import type { StringList as _feature_store_v1_StringList, StringList__Output as _feature_store_v1_StringList__Output } from '../../feature_store/v1/StringList.js';
import type { BoolList as _feature_store_v1_BoolList, BoolList__Output as _feature_store_v1_BoolList__Output } from '../../feature_store/v1/BoolList.js';
import type { Long } from '@grpc/proto-loader';

/**
 * A typed feature value. Exactly one member is set, chosen by the feature's declared type; none
 * is set when there is no value (see the status).
 */
export interface Value {
  'double_value'?: (number | string);
  'int64_value'?: (number | string | Long);
  'string_value'?: (string);
  'bool_value'?: (boolean);
  'bytes_value'?: (Buffer | Uint8Array | string);
  /**
   * A point in time: milliseconds since the Unix epoch, UTC.
   */
  'timestamp_ms_value'?: (number | string | Long);
  /**
   * Embeddings: packed float32, 4 bytes per dimension on the wire.
   */
  'float_vector_value'?: (_feature_store_v1_FloatList | null);
  'double_list_value'?: (_feature_store_v1_DoubleList | null);
  'int64_list_value'?: (_feature_store_v1_Int64List | null);
  'string_list_value'?: (_feature_store_v1_StringList | null);
  'bool_list_value'?: (_feature_store_v1_BoolList | null);
  'kind'?: "double_value"|"int64_value"|"string_value"|"bool_value"|"bytes_value"|"timestamp_ms_value"|"float_vector_value"|"double_list_value"|"int64_list_value"|"string_list_value"|"bool_list_value";
}

/**
 * A typed feature value. Exactly one member is set, chosen by the feature's declared type; none
 * is set when there is no value (see the status).
 */
export interface Value__Output {
  'double_value'?: (number);
  'int64_value'?: (string);
  'string_value'?: (string);
  'bool_value'?: (boolean);
  'bytes_value'?: (Buffer);
  /**
   * A point in time: milliseconds since the Unix epoch, UTC.
   */
  'timestamp_ms_value'?: (string);
  /**
   * Embeddings: packed float32, 4 bytes per dimension on the wire.
   */
  'float_vector_value'?: (_feature_store_v1_FloatList__Output | null);
  'double_list_value'?: (_feature_store_v1_DoubleList__Output | null);
  'int64_list_value'?: (_feature_store_v1_Int64List__Output | null);
  'string_list_value'?: (_feature_store_v1_StringList__Output | null);
  'bool_list_value'?: (_feature_store_v1_BoolList__Output | null);
  'kind'?: "double_value"|"int64_value"|"string_value"|"bool_value"|"bytes_value"|"timestamp_ms_value"|"float_vector_value"|"double_list_value"|"int64_list_value"|"string_list_value"|"bool_list_value";
}
