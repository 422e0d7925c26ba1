// Original file: proto/feature_store/v1/feature_store.proto


export interface GetOnlineFeaturesRequest {
  /**
   * Entity ids (e.g. "user_42"). Answered in this order; duplicates are answered twice.
   */
  'entity_ids'?: (string)[];
  /**
   * Feature references: "feature_set:feature" for one feature, "feature_set" (or
   * "feature_set:*") for every feature of the set, in the set's declared order.
   */
  'features'?: (string)[];
}

export interface GetOnlineFeaturesRequest__Output {
  /**
   * Entity ids (e.g. "user_42"). Answered in this order; duplicates are answered twice.
   */
  'entity_ids': (string)[];
  /**
   * Feature references: "feature_set:feature" for one feature, "feature_set" (or
   * "feature_set:*") for every feature of the set, in the set's declared order.
   */
  'features': (string)[];
}
