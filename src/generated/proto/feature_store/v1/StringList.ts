// Original file: proto/feature_store/v1/feature_store.proto


export interface StringList {
  'values'?: (string)[];
}

export interface StringList__Output {
  'values': (string)[];
}
