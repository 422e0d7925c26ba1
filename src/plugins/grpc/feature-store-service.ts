import type * as grpc from '@grpc/grpc-js'
import type { LookupResult } from '../../core/feature-lookup.js'
import type { OnlineFeatures } from '../../core/online-features.js'
import type { FeatureWrites } from '../../core/writes/feature-writes.js'
import { requireEntityData } from '../../core/require-entity-data.js'
import type { FeatureStoreServiceDefinition } from '../../generated/proto/feature_store/v1/FeatureStoreService.js'
import type { GetOnlineFeaturesRequest__Output } from '../../generated/proto/feature_store/v1/GetOnlineFeaturesRequest.js'
import type { GetRealtimeFeaturesRequest__Output } from '../../generated/proto/feature_store/v1/GetRealtimeFeaturesRequest.js'
import type { WriteFeaturesRequest__Output } from '../../generated/proto/feature_store/v1/WriteFeaturesRequest.js'
import type { WriteFeaturesResponse } from '../../generated/proto/feature_store/v1/WriteFeaturesResponse.js'
import type { ResponseCodec } from './response-codec.js'
import { tolerantDeserializer } from './tolerant-decoding.js'
import { unaryCall, type UnaryCallDeps } from './unary-call.js'
import { int64Number, readWireValue } from './value-decoding.js'
import { EMPTY_VALUE, encodeValue } from './value-encoding.js'
import type { OnlineResponseWire, RealtimeResponseWire, StatusNumber, WireFeature, WireFeatureVector, WireValue } from './wire-types.js'

export interface FeatureStoreServiceDeps extends UnaryCallDeps {
  readonly online: OnlineFeatures
  readonly writes: FeatureWrites
  readonly codec: ResponseCodec
}

export interface FeatureStoreHandlers extends grpc.UntypedServiceImplementation {
  GetOnlineFeatures: grpc.handleUnaryCall<GetOnlineFeaturesRequest__Output, OnlineResponseWire>
  GetRealtimeFeatures: grpc.handleUnaryCall<GetRealtimeFeaturesRequest__Output, RealtimeResponseWire>
  WriteFeatures: grpc.handleUnaryCall<WriteFeaturesRequest__Output, WriteFeaturesResponse>
}

/** Each decoded WriteFeatures request's size on the wire, for the core's byte limit. */
const REQUEST_BYTES = new WeakMap<object, number>()

/**
 * The service definition grpc-js serves: proto-loader's (paths, request decoding), with the
 * responses encoded by our codec instead of proto-loader's generic serializer.
 */
export function featureStoreServiceDefinition (loaded: FeatureStoreServiceDefinition, codec: ResponseCodec): grpc.ServiceDefinition {
  return {
    GetOnlineFeatures: { ...loaded.GetOnlineFeatures, requestDeserialize: tolerantDeserializer(loaded.GetOnlineFeatures.requestDeserialize), responseSerialize: codec.encodeOnline },
    GetRealtimeFeatures: { ...loaded.GetRealtimeFeatures, requestDeserialize: tolerantDeserializer(loaded.GetRealtimeFeatures.requestDeserialize), responseSerialize: codec.encodeRealtime },
    WriteFeatures: {
      ...loaded.WriteFeatures,
      requestDeserialize: tolerantDeserializer((bytes: Buffer) => {
        const request = loaded.WriteFeatures.requestDeserialize(bytes)
        REQUEST_BYTES.set(request, bytes.length)
        return request
      })
    }
  }
}

/**
 * Thin adapters over the one online read (src/core/online-features.ts: resolve, authorise the
 * caller, read with its deadline and cancellation, count statuses), then lay the answer out as the
 * proto wants it.
 */
export function featureStoreHandlers (deps: FeatureStoreServiceDeps): FeatureStoreHandlers {
  const { online, writes, codec } = deps

  // The call is its own LookupOptions (signal, deadlineAt): its signal is made only if a store call asks for it.
  return {
    GetOnlineFeatures: unaryCall(deps, async (request: GetOnlineFeaturesRequest__Output, call) => {
      const result = await online.get('grpc', call.principal, request.entity_ids, request.features, call)
      return onlineResponse(request.entity_ids, result, codec.statusNumber)
    }),
    GetRealtimeFeatures: unaryCall(deps, async (request: GetRealtimeFeaturesRequest__Output, call) => {
      const result = await online.get('grpc', call.principal, [request.entity_id], request.feature_names, call)
      const entity = result.entities[0]!
      requireEntityData(entity)
      const features: Record<string, WireFeature> = {}
      for (let j = 0; j < result.features.length; j++) {
        const cell = entity.results[j]!
        features[result.features[j]!.ref] = {
          value: encodeValue(cell.value),
          status: codec.statusNumber[cell.status],
          event_time_ms: cell.eventTime ?? 0
        }
      }
      return { entity_id: entity.entityId, features }
    }),
    WriteFeatures: unaryCall(deps, async (request: WriteFeaturesRequest__Output, call) => {
      const bytes = REQUEST_BYTES.get(request)
      const result = await writes.write('grpc', call.principal, {
        featureSet: request.feature_set,
        // An ingest line's fields: the core checks these rows as ingest checks its lines.
        rows: request.rows.map((row) => ({
          entity_id: row.entity_id,
          event_time: row.event_time_ms === undefined ? undefined : int64Number(row.event_time_ms),
          features: row.features
        })),
        onlyNewer: request.only_newer,
        allowMissing: request.allow_missing
      }, {
        readValue: readWireValue,
        allowMissingHint: 'set allow_missing',
        ...(bytes !== undefined && { requestBytes: bytes }),
        // The caller's deadline and cancellation: no store call starts after either (those under way finish, so the written rows are known and announced).
        deadlineAt: call.deadlineAt,
        signal: call.signal
      })
      return {
        results: result.rows.map((row) => ({ outcome: `WRITE_OUTCOME_${row.outcome}`, reason: row.reason ?? '' })),
        written: result.written,
        left_alone: result.leftAlone,
        rejected: result.rejected
      }
    })
  }
}

/** Columnar: one vector per feature over the entities, in request order (see the proto's comment). */
function onlineResponse (entityIds: string[], result: LookupResult, statusNumber: Readonly<Record<string, StatusNumber>>): OnlineResponseWire {
  const { features, entities } = result
  const n = entities.length
  const refs = new Array<string>(features.length)
  const results = new Array<WireFeatureVector>(features.length)
  for (let j = 0; j < features.length; j++) {
    refs[j] = features[j]!.ref
    const values = new Array<WireValue>(n)
    const statuses = new Array<StatusNumber>(n)
    const times = new Array<number>(n)
    for (let i = 0; i < n; i++) {
      const cell = entities[i]!.results[j]!
      values[i] = cell.value === null ? EMPTY_VALUE : encodeValue(cell.value)
      statuses[i] = statusNumber[cell.status]!
      times[i] = cell.eventTime ?? 0
    }
    results[j] = { values, statuses, event_times_ms: times }
  }
  return { feature_refs: refs, entity_ids: entityIds, results }
}
