import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import type { ProtoGrpcType as FeatureStoreProto } from '../../generated/proto/feature_store.js'
import type { ProtoGrpcType as HealthProto } from '../../generated/proto/health.js'

export const FEATURE_STORE_PROTO = 'feature_store/v1/feature_store.proto'
export const HEALTH_PROTO = 'grpc/health/v1/health.proto'
export const FEATURE_STORE_SERVICE = 'feature_store.v1.FeatureStoreService'

/**
 * How proto-loader turns messages into objects. These must match the flags of `npm run proto:gen`
 * (a test compares them), because the generated types describe exactly what this produces:
 * field names as in the proto (snake_case), int64 as decimal strings (no precision lost, no Long
 * objects), enums as their names, defaults filled in, and a virtual `kind` naming the member a
 * oneof holds.
 */
export const LOADER_OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true
} as const satisfies protoLoader.Options

export interface ProtoContract {
  /** Folder holding the .proto files (the import root). */
  readonly protoDir: string
  /** Both files, as grpc-js and the reflection service consume them. */
  readonly packageDefinition: protoLoader.PackageDefinition
  readonly featureStore: FeatureStoreProto['feature_store']['v1']
  readonly health: HealthProto['grpc']['health']['v1']
}

/**
 * The proto folder, found from this module upwards so the same code runs from src/ (tsx) and from
 * a compiled dist/ that ships proto/ beside it.
 */
export function findProtoDir (from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'proto')
    if (existsSync(join(candidate, FEATURE_STORE_PROTO))) return candidate
    if (dirname(dir) === dir) throw new Error(`${FEATURE_STORE_PROTO} not found in any proto/ folder above ${from}`)
  }
}

export function loadProtoContract (protoDir: string = findProtoDir()): ProtoContract {
  const packageDefinition = protoLoader.loadSync([FEATURE_STORE_PROTO, HEALTH_PROTO], { ...LOADER_OPTIONS, includeDirs: [protoDir] })
  // The generated ProtoGrpcType types describe what loadPackageDefinition returns for these files.
  const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as FeatureStoreProto & HealthProto
  return { protoDir, packageDefinition, featureStore: loaded.feature_store.v1, health: loaded.grpc.health.v1 }
}
