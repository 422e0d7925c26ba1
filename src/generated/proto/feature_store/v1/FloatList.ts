// Original file: proto/feature_store/v1/feature_store.proto


/**
 * proto3 packs repeated scalars by default: one tag and a length, then the raw elements.
 */
export interface FloatList {
  'values'?: (number | string)[];
}

/**
 * proto3 packs repeated scalars by default: one tag and a length, then the raw elements.
 */
export interface FloatList__Output {
  'values': (number)[];
}
