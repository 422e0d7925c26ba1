import type { FeatureSetSpec, FeatureSpec } from '../../domain/feature-set-spec.js'
import type { FeatureStatus } from '../../domain/feature-status.js'
import type { FeatureValue, ValueType } from '../../domain/feature-value.js'
import type { EntityFeatures } from '../../core/feature-lookup.js'
import type { ResolvedFeature } from '../../core/feature-registry.js'
import { packFloat32 } from '../../domain/float32-packing.js'

export { valueJson } from '../../domain/feature-value-json.js'

/** The shapes resolvers hand to graphql: plain objects named after the schema's types. */
export interface FeatureView {
  readonly ref: string
  readonly name: string
  readonly featureSet: string
  readonly type: ValueType
  readonly dimension: number | null
  readonly description: string | null
  readonly owner: string | null
  readonly tags: readonly string[]
  readonly maxAgeSeconds: number | null
}

export interface FeatureSetView {
  readonly name: string
  readonly entityType: string
  readonly description: string | null
  readonly owner: string | null
  readonly tags: readonly string[]
  readonly maxAgeSeconds: number | null
  readonly features: readonly FeatureView[]
}

export interface FeatureResultView {
  readonly ref: string
  readonly status: FeatureStatus
  readonly eventTime: number | null
  readonly value: FeatureValue | null
}

export interface EntityFeaturesView {
  readonly entityId: string
  readonly features: readonly FeatureResultView[]
}

export function featureView (set: FeatureSetSpec, feature: FeatureSpec): FeatureView {
  return {
    ref: `${set.name}:${feature.name}`,
    name: feature.name,
    featureSet: set.name,
    type: feature.type,
    dimension: feature.dimension ?? null,
    description: feature.description ?? null,
    owner: feature.owner ?? null,
    tags: feature.tags ?? [],
    maxAgeSeconds: set.maxAgeSeconds ?? null
  }
}

export function resolvedFeatureView (f: ResolvedFeature): FeatureView {
  return featureView(f.featureSet, f.feature)
}

export function featureSetView (set: FeatureSetSpec): FeatureSetView {
  return {
    name: set.name,
    entityType: set.entityType,
    description: set.description ?? null,
    owner: set.owner ?? null,
    tags: set.tags ?? [],
    maxAgeSeconds: set.maxAgeSeconds ?? null,
    features: set.features.map((f) => featureView(set, f))
  }
}

export function entityView (entity: EntityFeatures, columns: readonly ResolvedFeature[]): EntityFeaturesView {
  return {
    entityId: entity.entityId,
    features: entity.results.map((r, i) => ({ ref: columns[i]!.ref, status: r.status, eventTime: r.eventTime ?? null, value: r.value }))
  }
}

/** The schema's object type of each value type (`as const`: resolveType must name one of them). */
export const VALUE_TYPENAME = {
  double: 'DoubleValue',
  int64: 'Int64Value',
  string: 'StringValue',
  bool: 'BoolValue',
  bytes: 'BytesValue',
  timestamp: 'TimestampValue',
  float_vector: 'FloatVectorValue',
  double_list: 'DoubleListValue',
  int64_list: 'Int64ListValue',
  string_list: 'StringListValue',
  bool_list: 'BoolListValue'
} as const satisfies Readonly<Record<ValueType, string>>

/** Little-endian float32, base64 (the stored packing): what numpy reads with frombuffer(..., '<f4'). */
export function packedVector (vector: Float32Array): string {
  const bytes = packFloat32(vector)
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}
