import type { FeatureValue } from '../../domain/feature-value.js'
import type { WireValue } from './wire-types.js'

/** No value (NOT_FOUND, NULL_VALUE, INVALID): an empty Value, two bytes on the wire. Shared, never mutated. */
export const EMPTY_VALUE: WireValue = Object.freeze({})

/**
 * FeatureValue -> the proto's Value oneof, one member per declared type. Embeddings and bytes are
 * passed through as they are (no copy); only int64 needs converting, because protobufjs takes
 * numbers or decimal strings, not bigint.
 */
export function encodeValue (value: FeatureValue | null): WireValue {
  if (value === null) return EMPTY_VALUE
  switch (value.type) {
    case 'double': return { double_value: value.value }
    case 'int64': return { int64_value: int64(value.value) }
    case 'string': return { string_value: value.value }
    case 'bool': return { bool_value: value.value }
    case 'bytes': return { bytes_value: value.value }
    case 'timestamp': return { timestamp_ms_value: value.value }
    case 'float_vector': return { float_vector_value: { values: value.value } }
    case 'double_list': return { double_list_value: { values: value.value as number[] } }
    case 'int64_list': return { int64_list_value: { values: value.value.map(int64) } }
    case 'string_list': return { string_list_value: { values: value.value as string[] } }
    case 'bool_list': return { bool_list_value: { values: value.value as boolean[] } }
  }
}

/**
 * A number while it is exact (protobufjs then splits it into two 32-bit halves without parsing),
 * the decimal string beyond 2^53 (parsed by Long, exact over the whole int64 range).
 */
export function int64 (value: bigint): number | string {
  return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value.toString()
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER)
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)
