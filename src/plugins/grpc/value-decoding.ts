import type { FeatureSpec } from '../../domain/feature-set-spec.js'
import type { FeatureValue, ValueType } from '../../domain/feature-value.js'
import { parseFeatureValue } from '../../domain/parse-feature-value.js'
import { InvalidFeatureValueError } from '../../errors.js'
import type { Value__Output } from '../../generated/proto/feature_store/v1/Value.js'

type Member = NonNullable<Value__Output['kind']>

/** The Value member each declared type is carried in, as encodeValue writes it on reads. */
const MEMBER_OF: Readonly<Record<ValueType, Member>> = {
  double: 'double_value',
  int64: 'int64_value',
  string: 'string_value',
  bool: 'bool_value',
  bytes: 'bytes_value',
  timestamp: 'timestamp_ms_value',
  float_vector: 'float_vector_value',
  double_list: 'double_list_value',
  int64_list: 'int64_list_value',
  string_list: 'string_list_value',
  bool_list: 'bool_list_value'
}

/**
 * A WriteFeatures value (the proto's Value) read for its declared feature. The member must be the
 * declared type's (a string_value is never read as an int64, as JSON's decimal strings are); then
 * the value passes through the same parseFeatureValue as an ingest line's, so its checks (finite
 * numbers, dimension, float32 range, int64 range, well-formed text, time range) are ingest's.
 * An empty Value is null.
 */
export function readWireValue (spec: FeatureSpec, input: unknown): FeatureValue | null {
  const value = input as Value__Output
  const kind = value.kind
  if (kind === undefined) return null
  const expected = MEMBER_OF[spec.type]
  if (kind !== expected) throw new InvalidFeatureValueError(spec.name, `expected Value.${expected} (the feature is ${spec.type}), got Value.${kind}`)
  switch (kind) {
    // Bytes arrive as bytes: base64 is only JSON's way of carrying them.
    case 'bytes_value': return { type: 'bytes', value: value.bytes_value! }
    case 'timestamp_ms_value': return parseFeatureValue(spec, int64Number(value.timestamp_ms_value!))
    case 'float_vector_value': return parseFeatureValue(spec, value.float_vector_value?.values ?? [])
    case 'double_list_value': return parseFeatureValue(spec, value.double_list_value?.values ?? [])
    case 'int64_list_value': return parseFeatureValue(spec, value.int64_list_value?.values ?? [])
    case 'string_list_value': return parseFeatureValue(spec, value.string_list_value?.values ?? [])
    case 'bool_list_value': return parseFeatureValue(spec, value.bool_list_value?.values ?? [])
    default: return parseFeatureValue(spec, value[kind])
  }
}

/** int64 fields arrive as decimal strings: a number where exact, else the string (which the time checks then refuse by name). */
export function int64Number (text: string): number | string {
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : text
}
