// Original file: proto/feature_store/v1/feature_store.proto

import type { WriteRow as _feature_store_v1_WriteRow, WriteRow__Output as _feature_store_v1_WriteRow__Output } from '../../feature_store/v1/WriteRow.js';

export interface WriteFeaturesRequest {
  'feature_set'?: (string);
  /**
   * At most WRITE_MAX_ROWS rows (and WRITE_MAX_BYTES bytes of request). An entity named twice is
   * written twice, in this order.
   */
  'rows'?: (_feature_store_v1_WriteRow)[];
  /**
   * A row only replaces a stored row whose event time is not later than its own (a conditional
   * write), so a late or replayed event never overwrites a newer one: its outcome is LEFT_ALONE.
   */
  'only_newer'?: (boolean);
  /**
   * Accept rows that leave out some of the set's features. A row replaces the entity's whole row in
   * the set, so by default every feature must be given (an empty Value for "no value").
   */
  'allow_missing'?: (boolean);
}

export interface WriteFeaturesRequest__Output {
  'feature_set': (string);
  /**
   * At most WRITE_MAX_ROWS rows (and WRITE_MAX_BYTES bytes of request). An entity named twice is
   * written twice, in this order.
   */
  'rows': (_feature_store_v1_WriteRow__Output)[];
  /**
   * A row only replaces a stored row whose event time is not later than its own (a conditional
   * write), so a late or replayed event never overwrites a newer one: its outcome is LEFT_ALONE.
   */
  'only_newer': (boolean);
  /**
   * Accept rows that leave out some of the set's features. A row replaces the entity's whole row in
   * the set, so by default every feature must be given (an empty Value for "no value").
   */
  'allow_missing': (boolean);
}
