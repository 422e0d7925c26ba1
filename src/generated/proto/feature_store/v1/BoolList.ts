// Original file: proto/feature_store/v1/feature_store.proto


export interface BoolList {
  'values'?: (boolean)[];
}

export interface BoolList__Output {
  'values': (boolean)[];
}
