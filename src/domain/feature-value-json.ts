import type { FeatureValue, FeatureValueOf } from './feature-value.js'

/**
 * The JSON form of a value, as ingest accepts it back: int64 as decimal strings, bytes base64, times
 * ISO-8601, embeddings as number arrays (every float32 is exactly a double, so they read back bit for
 * bit). One form for every JSON answer: GraphQL's `json` field and the NDJSON pull stream.
 * (Bytes give a string: BytesValue.base64 is this, and its generated resolver type wants a string.)
 */
export function valueJson (value: FeatureValueOf<'bytes'>): string
export function valueJson (value: FeatureValue): unknown
export function valueJson (value: FeatureValue): unknown {
  switch (value.type) {
    case 'double': case 'string': case 'bool': return value.value
    case 'int64': return value.value.toString()
    case 'bytes': return Buffer.from(value.value.buffer, value.value.byteOffset, value.value.byteLength).toString('base64')
    case 'timestamp': return new Date(value.value).toISOString()
    case 'float_vector': return Array.from(value.value)
    case 'double_list': case 'string_list': case 'bool_list': return value.value
    case 'int64_list': return value.value.map((n) => n.toString())
  }
}
