// Original file: proto/feature_store/v1/feature_store.proto

import type { Long } from '@grpc/proto-loader';

export interface Int64List {
  'values'?: (number | string | Long)[];
}

export interface Int64List__Output {
  'values': (string)[];
}
