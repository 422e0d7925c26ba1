// Original file: proto/feature_store/v1/feature_store.proto


export interface GetRealtimeFeaturesRequest {
  'entity_id'?: (string);
  /**
   * Feature references, as in GetOnlineFeaturesRequest.features.
   */
  'feature_names'?: (string)[];
}

export interface GetRealtimeFeaturesRequest__Output {
  'entity_id': (string);
  /**
   * Feature references, as in GetOnlineFeaturesRequest.features.
   */
  'feature_names': (string)[];
}
