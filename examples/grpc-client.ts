/**
 * A typed Node client for featuregate's gRPC API, as an inference service would use it.
 *
 *   npx tsx examples/grpc-client.ts [host:port]     (default localhost:50051, after `npm start`)
 *
 * To copy it into a service: take proto/feature_store/v1/feature_store.proto, generate types with
 * the same flags as our `npm run proto:gen` (proto-loader-gen-types --keepCase --longs=String
 * --enums=String --defaults --oneofs), and load the .proto with the same LOADER_OPTIONS below: the
 * generated types describe exactly what those options produce. Nothing here is hand-copied from
 * the proto.
 *
 * What it shows:
 * - one long-lived channel per process (create the client once; it reconnects by itself), with
 *   keep-alive set to match the server's and message limits large enough for embeddings;
 * - a deadline on every call (the gateway cancels its store read when it passes) and cancellation
 *   through an AbortSignal;
 * - transparent retries of UNAVAILABLE only (a pod draining or restarting); INVALID_ARGUMENT and
 *   RESOURCE_EXHAUSTED are not retried, since repeating them cannot help right away;
 * - turning the columnar answer into typed values: int64 as bigint, embeddings as Float32Array.
 */
import { fileURLToPath } from 'node:url'
import { resolve } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import type { ProtoGrpcType } from '../src/generated/proto/feature_store.js'
import type { FeatureStatus__Output } from '../src/generated/proto/feature_store/v1/FeatureStatus.js'
import type { FeatureStoreServiceClient } from '../src/generated/proto/feature_store/v1/FeatureStoreService.js'
import type { GetOnlineFeaturesResponse__Output } from '../src/generated/proto/feature_store/v1/GetOnlineFeaturesResponse.js'
import type { GetRealtimeFeaturesResponse__Output } from '../src/generated/proto/feature_store/v1/GetRealtimeFeaturesResponse.js'
import type { Value, Value__Output } from '../src/generated/proto/feature_store/v1/Value.js'
import type { WriteFeaturesRequest } from '../src/generated/proto/feature_store/v1/WriteFeaturesRequest.js'
import type { WriteFeaturesResponse__Output } from '../src/generated/proto/feature_store/v1/WriteFeaturesResponse.js'

export const PROTO_DIR = fileURLToPath(new URL('../proto/', import.meta.url))

/** Must match the flags the types were generated with (see above). */
export const LOADER_OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true
} as const satisfies protoLoader.Options

const SERVICE = 'feature_store.v1.FeatureStoreService'

/**
 * Channel settings for a long-lived channel. Keep-alive matches the server's (60 s ping, 20 s
 * timeout, also while idle) so a dead connection is found before a request waits on it. If a
 * proxy sits between you and the gateway and enforces a minimum ping interval, raise
 * keepalive_time_ms to it, or the proxy closes the connection with "too_many_pings".
 */
export const CHANNEL_OPTIONS = {
  'grpc.keepalive_time_ms': 60_000,
  'grpc.keepalive_timeout_ms': 20_000,
  'grpc.keepalive_permit_without_calls': 1,
  // The gateway sends up to 64 MB (many entities with embeddings); gRPC's default client limit is 4 MB.
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  // The gateway accepts requests up to 4 MB (ids and references only).
  'grpc.max_send_message_length': 4 * 1024 * 1024,
  'grpc.enable_retries': 1,
  'grpc.service_config': JSON.stringify({
    // With a DNS name that resolves to every pod (a headless Service), spread calls over all of them.
    loadBalancingConfig: [{ round_robin: {} }],
    methodConfig: [{
      name: [{ service: SERVICE }],
      retryPolicy: {
        maxAttempts: 3,
        initialBackoff: '0.01s',
        maxBackoff: '0.1s',
        backoffMultiplier: 2,
        retryableStatusCodes: ['UNAVAILABLE']
      }
    }]
  })
} as const satisfies grpc.ChannelOptions

export interface CallOptions {
  /** Milliseconds from now; the client's default applies when absent. */
  readonly deadlineMs?: number
  readonly signal?: AbortSignal
  /** e.g. authorization: "Bearer …", x-request-id. */
  readonly metadata?: Readonly<Record<string, string>>
}

export interface ClientOptions {
  readonly credentials?: grpc.ChannelCredentials
  /** Deadline for calls that name none. An inference path usually wants tens of milliseconds. */
  readonly defaultDeadlineMs?: number
  readonly channelOptions?: grpc.ChannelOptions
}

/** A value as the client program uses it: int64 as bigint, embeddings as Float32Array. */
export type TypedValue =
  | { readonly type: 'double', readonly value: number }
  | { readonly type: 'int64', readonly value: bigint }
  | { readonly type: 'string', readonly value: string }
  | { readonly type: 'bool', readonly value: boolean }
  | { readonly type: 'bytes', readonly value: Uint8Array }
  /** Milliseconds since the Unix epoch. */
  | { readonly type: 'timestamp', readonly value: number }
  | { readonly type: 'float_vector', readonly value: Float32Array }
  | { readonly type: 'double_list', readonly value: number[] }
  | { readonly type: 'int64_list', readonly value: bigint[] }
  | { readonly type: 'string_list', readonly value: string[] }
  | { readonly type: 'bool_list', readonly value: boolean[] }

export interface FeatureCell {
  readonly status: FeatureStatus__Output
  /** null when the status carries no value (NOT_FOUND, NULL_VALUE, INVALID). */
  readonly value: TypedValue | null
  /** Event time of the stored row, ms since the epoch; 0 when there was no row. */
  readonly eventTimeMs: number
}

export interface EntityRow {
  readonly entityId: string
  /** By feature reference ("feature_set:feature"), in the order the answer lists them. */
  readonly features: ReadonlyMap<string, FeatureCell>
}

export class FeatureStoreClient {
  readonly #client: FeatureStoreServiceClient
  readonly #defaultDeadlineMs: number

  constructor (address: string, options: ClientOptions = {}) {
    const definition = protoLoader.loadSync('feature_store/v1/feature_store.proto', { ...LOADER_OPTIONS, includeDirs: [PROTO_DIR] })
    const proto = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType
    this.#client = new proto.feature_store.v1.FeatureStoreService(address, options.credentials ?? grpc.credentials.createInsecure(),
      { ...CHANNEL_OPTIONS, ...options.channelOptions })
    this.#defaultDeadlineMs = options.defaultDeadlineMs ?? 250
  }

  /** Resolves once connected; useful at start-up so the first request does not pay for the handshake. */
  async waitForReady (timeoutMs = 5_000): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#client.waitForReady(Date.now() + timeoutMs, (error) => error === undefined ? resolve() : reject(error))
    })
  }

  /** Many entities x many features; rejects with a grpc.ServiceError (`.code`, `.details`). */
  async getOnlineFeatures (entityIds: readonly string[], features: readonly string[], options: CallOptions = {}): Promise<GetOnlineFeaturesResponse__Output> {
    return await this.#unary((metadata, callOptions, callback) =>
      this.#client.GetOnlineFeatures({ entity_ids: [...entityIds], features: [...features] }, metadata, callOptions, callback), options)
  }

  /** One entity; NOT_FOUND when it has none of the requested features. */
  async getRealtimeFeatures (entityId: string, featureNames: readonly string[], options: CallOptions = {}): Promise<GetRealtimeFeaturesResponse__Output> {
    return await this.#unary((metadata, callOptions, callback) =>
      this.#client.GetRealtimeFeatures({ entity_id: entityId, feature_names: [...featureNames] }, metadata, callOptions, callback), options)
  }

  /**
   * Rows for one feature set (a streaming pipeline's push): one outcome per row, in order. Safe to
   * retry (a row replaces the entity's row), so UNAVAILABLE is retried like the reads; use only_newer
   * when events may arrive late or twice. Give it a deadline of seconds, not the lookups' milliseconds.
   */
  async writeFeatures (request: WriteFeaturesRequest, options: CallOptions = {}): Promise<WriteFeaturesResponse__Output> {
    return await this.#unary((metadata, callOptions, callback) =>
      this.#client.WriteFeatures(request, metadata, callOptions, callback), options)
  }

  close (): void {
    this.#client.close()
  }

  async #unary<T> (
    start: (metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<T>) => grpc.ClientUnaryCall,
    options: CallOptions
  ): Promise<T> {
    const metadata = new grpc.Metadata()
    for (const [key, value] of Object.entries(options.metadata ?? {})) metadata.set(key, value)
    const deadline = Date.now() + (options.deadlineMs ?? this.#defaultDeadlineMs)
    return await new Promise<T>((resolve, reject) => {
      const signal = options.signal
      if (signal?.aborted === true) {
        reject(signal.reason)
        return
      }
      const call = start(metadata, { deadline }, (error, response) => {
        signal?.removeEventListener('abort', cancel)
        if (error !== null) reject(error)
        else if (response === undefined) reject(new Error('empty response'))
        else resolve(response)
      })
      const cancel = (): void => call.cancel()
      signal?.addEventListener('abort', cancel, { once: true })
    })
  }
}

/** The proto's Value oneof as a typed value; null when no member is set. */
export function decodeValue (value: Value__Output | null | undefined): TypedValue | null {
  switch (value?.kind) {
    case 'double_value': return { type: 'double', value: value.double_value ?? 0 }
    case 'int64_value': return { type: 'int64', value: BigInt(value.int64_value ?? '0') }
    case 'string_value': return { type: 'string', value: value.string_value ?? '' }
    case 'bool_value': return { type: 'bool', value: value.bool_value ?? false }
    case 'bytes_value': return { type: 'bytes', value: value.bytes_value ?? new Uint8Array() }
    case 'timestamp_ms_value': return { type: 'timestamp', value: Number(value.timestamp_ms_value ?? '0') }
    // Floats arrive as float32 widened to double: narrowing them back is exact.
    case 'float_vector_value': return { type: 'float_vector', value: Float32Array.from(value.float_vector_value?.values ?? []) }
    case 'double_list_value': return { type: 'double_list', value: value.double_list_value?.values ?? [] }
    case 'int64_list_value': return { type: 'int64_list', value: (value.int64_list_value?.values ?? []).map((n) => BigInt(n)) }
    case 'string_list_value': return { type: 'string_list', value: value.string_list_value?.values ?? [] }
    case 'bool_list_value': return { type: 'bool_list', value: value.bool_list_value?.values ?? [] }
    default: return null
  }
}

/** A typed value as WriteFeatures takes it: the Value member of its type; null is an empty Value. */
export function encodeTypedValue (value: TypedValue | null): Value {
  if (value === null) return {}
  switch (value.type) {
    case 'double': return { double_value: value.value }
    case 'int64': return { int64_value: value.value.toString() }
    case 'string': return { string_value: value.value }
    case 'bool': return { bool_value: value.value }
    case 'bytes': return { bytes_value: Buffer.from(value.value) }
    case 'timestamp': return { timestamp_ms_value: value.value }
    case 'float_vector': return { float_vector_value: { values: Array.from(value.value) } }
    case 'double_list': return { double_list_value: { values: value.value } }
    case 'int64_list': return { int64_list_value: { values: value.value.map((n) => n.toString()) } }
    case 'string_list': return { string_list_value: { values: value.value } }
    case 'bool_list': return { bool_list_value: { values: value.value } }
  }
}

/** The columnar answer turned into one row per requested entity (request order, duplicates kept). */
export function rowsOf (response: GetOnlineFeaturesResponse__Output): EntityRow[] {
  return response.entity_ids.map((entityId, i) => {
    const features = new Map<string, FeatureCell>()
    response.feature_refs.forEach((ref, j) => {
      const column = response.results[j]
      features.set(ref, {
        status: column?.statuses[i] ?? 'FEATURE_STATUS_UNSPECIFIED',
        value: decodeValue(column?.values[i]),
        eventTimeMs: Number(column?.event_times_ms[i] ?? '0')
      })
    })
    return { entityId, features }
  })
}

async function main (address: string): Promise<void> {
  const client = new FeatureStoreClient(address)
  try {
    await client.waitForReady()
    const response = await client.getOnlineFeatures(['user_1', 'user_2', 'no_such_user'], ['user_text:embedding', 'user_text:sentiment_score', 'user_profile'])
    for (const row of rowsOf(response)) {
      console.log(row.entityId)
      for (const [ref, cell] of row.features) {
        const shown = cell.value?.type === 'float_vector' ? `float[${cell.value.value.length}] [${Array.from(cell.value.value.slice(0, 3), (x) => x.toFixed(4)).join(', ')}, …]` : String(cell.value?.value ?? '-')
        console.log(`  ${ref.padEnd(28)} ${cell.status.replace('FEATURE_STATUS_', '').padEnd(10)} ${shown}`)
      }
    }
    const realtime = await client.getRealtimeFeatures('user_3', ['user_word_stats'])
    console.log('user_3', Object.fromEntries(Object.entries(realtime.features).map(([ref, f]) => [ref, decodeValue(f.value)?.value])))
  } finally {
    client.close()
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv[2] ?? 'localhost:50051').catch((error: unknown) => {
    const e = error as Partial<grpc.ServiceError>
    console.error(e.code === undefined ? error : `${grpc.status[e.code]}: ${e.details ?? ''}`)
    process.exitCode = 1
  })
}
