// Original file: proto/feature_store/v1/feature_store.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetOnlineFeaturesRequest as _feature_store_v1_GetOnlineFeaturesRequest, GetOnlineFeaturesRequest__Output as _feature_store_v1_GetOnlineFeaturesRequest__Output } from '../../feature_store/v1/GetOnlineFeaturesRequest.js';
import type { GetOnlineFeaturesResponse as _feature_store_v1_GetOnlineFeaturesResponse, GetOnlineFeaturesResponse__Output as _feature_store_v1_GetOnlineFeaturesResponse__Output } from '../../feature_store/v1/GetOnlineFeaturesResponse.js';
import type { GetRealtimeFeaturesRequest as _feature_store_v1_GetRealtimeFeaturesRequest, GetRealtimeFeaturesRequest__Output as _feature_store_v1_GetRealtimeFeaturesRequest__Output } from '../../feature_store/v1/GetRealtimeFeaturesRequest.js';
import type { GetRealtimeFeaturesResponse as _feature_store_v1_GetRealtimeFeaturesResponse, GetRealtimeFeaturesResponse__Output as _feature_store_v1_GetRealtimeFeaturesResponse__Output } from '../../feature_store/v1/GetRealtimeFeaturesResponse.js';
import type { WriteFeaturesRequest as _feature_store_v1_WriteFeaturesRequest, WriteFeaturesRequest__Output as _feature_store_v1_WriteFeaturesRequest__Output } from '../../feature_store/v1/WriteFeaturesRequest.js';
import type { WriteFeaturesResponse as _feature_store_v1_WriteFeaturesResponse, WriteFeaturesResponse__Output as _feature_store_v1_WriteFeaturesResponse__Output } from '../../feature_store/v1/WriteFeaturesResponse.js';

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
export interface FeatureStoreServiceClient extends grpc.Client {
  /**
   * Many entities x many features in one call: the inference path.
   */
  GetOnlineFeatures(argument: _feature_store_v1_GetOnlineFeaturesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_feature_store_v1_GetOnlineFeaturesResponse__Output>): grpc.ClientUnaryCall;
  GetOnlineFeatures(argument: _feature_store_v1_GetOnlineFeaturesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_feature_store_v1_GetOnlineFeaturesResponse__Output>): grpc.ClientUnaryCall;
  GetOnlineFeatures(argument: _feature_store_v1_GetOnlineFeaturesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_feature_store_v1_GetOnlineFeaturesResponse__Output>): grpc.ClientUnaryCall;
  GetOnlineFeatures(argument: _feature_store_v1_GetOnlineFeaturesRequest, callback: grpc.requestCallback<_feature_store_v1_GetOnlineFeaturesResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Many entities x many features in one call: the inference path.
   */
  getOnlineFeatures(argument: _feature_store_v1_GetOnlineFeaturesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_feature_store_v1_GetOnlineFeaturesResponse__Output>): grpc.ClientUnaryCall;
  getOnlineFeatures(argument: _feature_store_v1_GetOnlineFeaturesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_feature_store_v1_GetOnlineFeaturesResponse__Output>): grpc.ClientUnaryCall;
  getOnlineFeatures(argument: _feature_store_v1_GetOnlineFeaturesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_feature_store_v1_GetOnlineFeaturesResponse__Output>): grpc.ClientUnaryCall;
  getOnlineFeatures(argument: _feature_store_v1_GetOnlineFeaturesRequest, callback: grpc.requestCallback<_feature_store_v1_GetOnlineFeaturesResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * One entity, answered as a map by feature reference: the call of the original design, with
   * typed values instead of google.protobuf.Value.
   */
  GetRealtimeFeatures(argument: _feature_store_v1_GetRealtimeFeaturesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_feature_store_v1_GetRealtimeFeaturesResponse__Output>): grpc.ClientUnaryCall;
  GetRealtimeFeatures(argument: _feature_store_v1_GetRealtimeFeaturesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_feature_store_v1_GetRealtimeFeaturesResponse__Output>): grpc.ClientUnaryCall;
  GetRealtimeFeatures(argument: _feature_store_v1_GetRealtimeFeaturesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_feature_store_v1_GetRealtimeFeaturesResponse__Output>): grpc.ClientUnaryCall;
  GetRealtimeFeatures(argument: _feature_store_v1_GetRealtimeFeaturesRequest, callback: grpc.requestCallback<_feature_store_v1_GetRealtimeFeaturesResponse__Output>): grpc.ClientUnaryCall;
  /**
   * One entity, answered as a map by feature reference: the call of the original design, with
   * typed values instead of google.protobuf.Value.
   */
  getRealtimeFeatures(argument: _feature_store_v1_GetRealtimeFeaturesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_feature_store_v1_GetRealtimeFeaturesResponse__Output>): grpc.ClientUnaryCall;
  getRealtimeFeatures(argument: _feature_store_v1_GetRealtimeFeaturesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_feature_store_v1_GetRealtimeFeaturesResponse__Output>): grpc.ClientUnaryCall;
  getRealtimeFeatures(argument: _feature_store_v1_GetRealtimeFeaturesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_feature_store_v1_GetRealtimeFeaturesResponse__Output>): grpc.ClientUnaryCall;
  getRealtimeFeatures(argument: _feature_store_v1_GetRealtimeFeaturesRequest, callback: grpc.requestCallback<_feature_store_v1_GetRealtimeFeaturesResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Rows for one feature set from a streaming pipeline (Feast's push), checked exactly as CLI ingest
   * checks its lines. A bad row is rejected in its result and never fails the others; the call fails
   * only for what concerns all of it: an unknown set, too many rows or bytes (INVALID_ARGUMENT, the
   * message names the limit), the caller's scope or sets, or the store (UNAVAILABLE,
   * RESOURCE_EXHAUSTED: rows before the failure may be written; retrying the whole call is safe).
   * The replica that answered serves the written rows at once.
   */
  WriteFeatures(argument: _feature_store_v1_WriteFeaturesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_feature_store_v1_WriteFeaturesResponse__Output>): grpc.ClientUnaryCall;
  WriteFeatures(argument: _feature_store_v1_WriteFeaturesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_feature_store_v1_WriteFeaturesResponse__Output>): grpc.ClientUnaryCall;
  WriteFeatures(argument: _feature_store_v1_WriteFeaturesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_feature_store_v1_WriteFeaturesResponse__Output>): grpc.ClientUnaryCall;
  WriteFeatures(argument: _feature_store_v1_WriteFeaturesRequest, callback: grpc.requestCallback<_feature_store_v1_WriteFeaturesResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Rows for one feature set from a streaming pipeline (Feast's push), checked exactly as CLI ingest
   * checks its lines. A bad row is rejected in its result and never fails the others; the call fails
   * only for what concerns all of it: an unknown set, too many rows or bytes (INVALID_ARGUMENT, the
   * message names the limit), the caller's scope or sets, or the store (UNAVAILABLE,
   * RESOURCE_EXHAUSTED: rows before the failure may be written; retrying the whole call is safe).
   * The replica that answered serves the written rows at once.
   */
  writeFeatures(argument: _feature_store_v1_WriteFeaturesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_feature_store_v1_WriteFeaturesResponse__Output>): grpc.ClientUnaryCall;
  writeFeatures(argument: _feature_store_v1_WriteFeaturesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_feature_store_v1_WriteFeaturesResponse__Output>): grpc.ClientUnaryCall;
  writeFeatures(argument: _feature_store_v1_WriteFeaturesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_feature_store_v1_WriteFeaturesResponse__Output>): grpc.ClientUnaryCall;
  writeFeatures(argument: _feature_store_v1_WriteFeaturesRequest, callback: grpc.requestCallback<_feature_store_v1_WriteFeaturesResponse__Output>): grpc.ClientUnaryCall;
  
}

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
export interface FeatureStoreServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Many entities x many features in one call: the inference path.
   */
  GetOnlineFeatures: grpc.handleUnaryCall<_feature_store_v1_GetOnlineFeaturesRequest__Output, _feature_store_v1_GetOnlineFeaturesResponse>;
  
  /**
   * One entity, answered as a map by feature reference: the call of the original design, with
   * typed values instead of google.protobuf.Value.
   */
  GetRealtimeFeatures: grpc.handleUnaryCall<_feature_store_v1_GetRealtimeFeaturesRequest__Output, _feature_store_v1_GetRealtimeFeaturesResponse>;
  
  /**
   * Rows for one feature set from a streaming pipeline (Feast's push), checked exactly as CLI ingest
   * checks its lines. A bad row is rejected in its result and never fails the others; the call fails
   * only for what concerns all of it: an unknown set, too many rows or bytes (INVALID_ARGUMENT, the
   * message names the limit), the caller's scope or sets, or the store (UNAVAILABLE,
   * RESOURCE_EXHAUSTED: rows before the failure may be written; retrying the whole call is safe).
   * The replica that answered serves the written rows at once.
   */
  WriteFeatures: grpc.handleUnaryCall<_feature_store_v1_WriteFeaturesRequest__Output, _feature_store_v1_WriteFeaturesResponse>;
  
}

export interface FeatureStoreServiceDefinition extends grpc.ServiceDefinition {
  GetOnlineFeatures: MethodDefinition<_feature_store_v1_GetOnlineFeaturesRequest, _feature_store_v1_GetOnlineFeaturesResponse, _feature_store_v1_GetOnlineFeaturesRequest__Output, _feature_store_v1_GetOnlineFeaturesResponse__Output>
  GetRealtimeFeatures: MethodDefinition<_feature_store_v1_GetRealtimeFeaturesRequest, _feature_store_v1_GetRealtimeFeaturesResponse, _feature_store_v1_GetRealtimeFeaturesRequest__Output, _feature_store_v1_GetRealtimeFeaturesResponse__Output>
  WriteFeatures: MethodDefinition<_feature_store_v1_WriteFeaturesRequest, _feature_store_v1_WriteFeaturesResponse, _feature_store_v1_WriteFeaturesRequest__Output, _feature_store_v1_WriteFeaturesResponse__Output>
}
