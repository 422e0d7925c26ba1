import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { BoolList as _feature_store_v1_BoolList, BoolList__Output as _feature_store_v1_BoolList__Output } from './feature_store/v1/BoolList.js';
import type { DoubleList as _feature_store_v1_DoubleList, DoubleList__Output as _feature_store_v1_DoubleList__Output } from './feature_store/v1/DoubleList.js';
import type { Feature as _feature_store_v1_Feature, Feature__Output as _feature_store_v1_Feature__Output } from './feature_store/v1/Feature.js';
import type { FeatureStoreServiceClient as _feature_store_v1_FeatureStoreServiceClient, FeatureStoreServiceDefinition as _feature_store_v1_FeatureStoreServiceDefinition } from './feature_store/v1/FeatureStoreService.js';
import type { FeatureVector as _feature_store_v1_FeatureVector, FeatureVector__Output as _feature_store_v1_FeatureVector__Output } from './feature_store/v1/FeatureVector.js';
import type { FloatList as _feature_store_v1_FloatList, FloatList__Output as _feature_store_v1_FloatList__Output } from './feature_store/v1/FloatList.js';
import type { GetOnlineFeaturesRequest as _feature_store_v1_GetOnlineFeaturesRequest, GetOnlineFeaturesRequest__Output as _feature_store_v1_GetOnlineFeaturesRequest__Output } from './feature_store/v1/GetOnlineFeaturesRequest.js';
import type { GetOnlineFeaturesResponse as _feature_store_v1_GetOnlineFeaturesResponse, GetOnlineFeaturesResponse__Output as _feature_store_v1_GetOnlineFeaturesResponse__Output } from './feature_store/v1/GetOnlineFeaturesResponse.js';
import type { GetRealtimeFeaturesRequest as _feature_store_v1_GetRealtimeFeaturesRequest, GetRealtimeFeaturesRequest__Output as _feature_store_v1_GetRealtimeFeaturesRequest__Output } from './feature_store/v1/GetRealtimeFeaturesRequest.js';
import type { GetRealtimeFeaturesResponse as _feature_store_v1_GetRealtimeFeaturesResponse, GetRealtimeFeaturesResponse__Output as _feature_store_v1_GetRealtimeFeaturesResponse__Output } from './feature_store/v1/GetRealtimeFeaturesResponse.js';
import type { Int64List as _feature_store_v1_Int64List, Int64List__Output as _feature_store_v1_Int64List__Output } from './feature_store/v1/Int64List.js';
import type { StringList as _feature_store_v1_StringList, StringList__Output as _feature_store_v1_StringList__Output } from './feature_store/v1/StringList.js';
import type { Value as _feature_store_v1_Value, Value__Output as _feature_store_v1_Value__Output } from './feature_store/v1/Value.js';
import type { WriteFeaturesRequest as _feature_store_v1_WriteFeaturesRequest, WriteFeaturesRequest__Output as _feature_store_v1_WriteFeaturesRequest__Output } from './feature_store/v1/WriteFeaturesRequest.js';
import type { WriteFeaturesResponse as _feature_store_v1_WriteFeaturesResponse, WriteFeaturesResponse__Output as _feature_store_v1_WriteFeaturesResponse__Output } from './feature_store/v1/WriteFeaturesResponse.js';
import type { WriteResult as _feature_store_v1_WriteResult, WriteResult__Output as _feature_store_v1_WriteResult__Output } from './feature_store/v1/WriteResult.js';
import type { WriteRow as _feature_store_v1_WriteRow, WriteRow__Output as _feature_store_v1_WriteRow__Output } from './feature_store/v1/WriteRow.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  feature_store: {
    v1: {
      BoolList: MessageTypeDefinition<_feature_store_v1_BoolList, _feature_store_v1_BoolList__Output>
      DoubleList: MessageTypeDefinition<_feature_store_v1_DoubleList, _feature_store_v1_DoubleList__Output>
      Feature: MessageTypeDefinition<_feature_store_v1_Feature, _feature_store_v1_Feature__Output>
      FeatureStatus: EnumTypeDefinition
      /**
       * The reads are safe to retry; so is WriteFeatures (a row replaces the entity's row in its set, so
       * writing it twice leaves the same state). Errors are gRPC statuses:
       * INVALID_ARGUMENT   empty or malformed entity id, unknown feature set or feature, bad reference,
       * too many entity ids or features (the message names the limit)
       * NOT_FOUND          GetRealtimeFeatures only: the entity has none of the requested features
       * DEADLINE_EXCEEDED  the call's deadline passed (the store read is cancelled with it)
       * UNAVAILABLE        the store cannot be reached, or the gateway is shutting down or overloaded
       * RESOURCE_EXHAUSTED the store is throttling reads, or the caller's rate limit is reached (the
       * retry-after trailer says in how many seconds to try again)
       * UNAUTHENTICATED    missing or invalid credentials (authorization metadata) where auth is on
       * PERMISSION_DENIED  the credential may not make online reads (or writes: scope features:write),
       * or not of that feature set
       * INTERNAL           a bug; the message never carries internals
       * A missing entity or feature in GetOnlineFeatures is not an error: it is a NOT_FOUND status in
       * its cell, so one unknown user does not fail a batch of 64.
       */
      FeatureStoreService: SubtypeConstructor<typeof grpc.Client, _feature_store_v1_FeatureStoreServiceClient> & { service: _feature_store_v1_FeatureStoreServiceDefinition }
      FeatureVector: MessageTypeDefinition<_feature_store_v1_FeatureVector, _feature_store_v1_FeatureVector__Output>
      FloatList: MessageTypeDefinition<_feature_store_v1_FloatList, _feature_store_v1_FloatList__Output>
      GetOnlineFeaturesRequest: MessageTypeDefinition<_feature_store_v1_GetOnlineFeaturesRequest, _feature_store_v1_GetOnlineFeaturesRequest__Output>
      GetOnlineFeaturesResponse: MessageTypeDefinition<_feature_store_v1_GetOnlineFeaturesResponse, _feature_store_v1_GetOnlineFeaturesResponse__Output>
      GetRealtimeFeaturesRequest: MessageTypeDefinition<_feature_store_v1_GetRealtimeFeaturesRequest, _feature_store_v1_GetRealtimeFeaturesRequest__Output>
      GetRealtimeFeaturesResponse: MessageTypeDefinition<_feature_store_v1_GetRealtimeFeaturesResponse, _feature_store_v1_GetRealtimeFeaturesResponse__Output>
      Int64List: MessageTypeDefinition<_feature_store_v1_Int64List, _feature_store_v1_Int64List__Output>
      StringList: MessageTypeDefinition<_feature_store_v1_StringList, _feature_store_v1_StringList__Output>
      Value: MessageTypeDefinition<_feature_store_v1_Value, _feature_store_v1_Value__Output>
      WriteFeaturesRequest: MessageTypeDefinition<_feature_store_v1_WriteFeaturesRequest, _feature_store_v1_WriteFeaturesRequest__Output>
      WriteFeaturesResponse: MessageTypeDefinition<_feature_store_v1_WriteFeaturesResponse, _feature_store_v1_WriteFeaturesResponse__Output>
      WriteOutcome: EnumTypeDefinition
      WriteResult: MessageTypeDefinition<_feature_store_v1_WriteResult, _feature_store_v1_WriteResult__Output>
      WriteRow: MessageTypeDefinition<_feature_store_v1_WriteRow, _feature_store_v1_WriteRow__Output>
    }
  }
}

