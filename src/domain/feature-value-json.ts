import { isoTime } from './iso-time.js'
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
    case 'timestamp': return isoTime(value.value)
    case 'float_vector': return Array.from(value.value)
    case 'double_list': case 'string_list': case 'bool_list': return value.value
    case 'int64_list': return value.value.map((n) => n.toString())
  }
}

/**
 * `JSON.stringify(valueJson(value))`, the same text, written directly for the scalar types (a pull's
 * NDJSON writes one per value, and the generic stringify of a boxed scalar was most of its encoder's
 * time); lists, bytes and embeddings go through valueJson.
 */
export function valueJsonText (value: FeatureValue): string {
  switch (value.type) {
    case 'double': return Number.isFinite(value.value) ? String(value.value) : 'null'
    case 'bool': return value.value ? 'true' : 'false'
    case 'int64': return '"' + value.value.toString() + '"'
    case 'timestamp': return '"' + isoTime(value.value) + '"'
    case 'string': return JSON.stringify(value.value)
    default: return JSON.stringify(valueJson(value))
  }
}
