// Original file: proto/feature_store/v1/feature_store.proto


export interface DoubleList {
  'values'?: (number | string)[];
}

export interface DoubleList__Output {
  'values': (number)[];
}
