/**
 * A typed feature value. The tag mirrors the value types a feature can be declared with, so a
 * value can always be checked against its feature's declared type without guessing.
 */
export type FeatureValue =
  | { readonly type: 'double'; readonly value: number }
  | { readonly type: 'int64'; readonly value: bigint }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'bytes'; readonly value: Uint8Array }
  /** Milliseconds since the Unix epoch, UTC. */
  | { readonly type: 'timestamp'; readonly value: number }
  /** Embeddings: stored as packed little-endian float32. */
  | { readonly type: 'float_vector'; readonly value: Float32Array }
  | { readonly type: 'double_list'; readonly value: readonly number[] }
  | { readonly type: 'int64_list'; readonly value: readonly bigint[] }
  | { readonly type: 'string_list'; readonly value: readonly string[] }
  | { readonly type: 'bool_list'; readonly value: readonly boolean[] }

export type ValueType = FeatureValue['type']

export const VALUE_TYPES: readonly ValueType[] = [
  'double', 'int64', 'string', 'bool', 'bytes', 'timestamp',
  'float_vector', 'double_list', 'int64_list', 'string_list', 'bool_list'
]

export function isValueType (name: string): name is ValueType {
  return (VALUE_TYPES as readonly string[]).includes(name)
}

/** The values of one type, e.g. `FeatureValueOf<'float_vector'>`. */
export type FeatureValueOf<T extends ValueType> = Extract<FeatureValue, { readonly type: T }>
