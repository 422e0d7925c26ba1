import type { Feature } from '../../generated/proto/feature_store/v1/Feature.js'
import type { FeatureStatus } from '../../generated/proto/feature_store/v1/FeatureStatus.js'
import type { FeatureVector } from '../../generated/proto/feature_store/v1/FeatureVector.js'
import type { GetOnlineFeaturesResponse } from '../../generated/proto/feature_store/v1/GetOnlineFeaturesResponse.js'
import type { GetRealtimeFeaturesResponse } from '../../generated/proto/feature_store/v1/GetRealtimeFeaturesResponse.js'
import type { Value } from '../../generated/proto/feature_store/v1/Value.js'

/*
 * The responses as the server hands them to its encoder (response-codec.ts): the generated input
 * types, narrowed where the server takes a faster path than proto-loader's generic one. protobufjs
 * encodes plain objects directly, without the per-call fromObject copy, so
 * - statuses are the enum's numbers (the encoder writes them as they are; names would need a lookup),
 * - embeddings stay the Float32Array the repository decoded, written to the wire as one block,
 * - int64 fields are numbers when exact, decimal strings beyond 2^53.
 * Everything else is exactly the generated type, so a change to the proto shows up here.
 */

/** The numbers of the FeatureStatus enum (0, UNSPECIFIED, is never sent). */
export type StatusNumber = Exclude<Extract<FeatureStatus, number>, 0>

export type WireValue = Omit<Value, 'float_vector_value' | 'kind'> & {
  float_vector_value?: { values: Float32Array }
}

export type WireFeatureVector = Omit<FeatureVector, 'values' | 'statuses' | 'event_times_ms'> & {
  values: WireValue[]
  statuses: StatusNumber[]
  event_times_ms: number[]
}

export type OnlineResponseWire = Omit<GetOnlineFeaturesResponse, 'results'> & {
  results: WireFeatureVector[]
}

export type WireFeature = Omit<Feature, 'value' | 'status' | 'event_time_ms'> & {
  value: WireValue
  status: StatusNumber
  event_time_ms: number
}

export type RealtimeResponseWire = Omit<GetRealtimeFeaturesResponse, 'features'> & {
  features: Record<string, WireFeature>
}
