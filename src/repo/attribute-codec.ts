import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import type { FeatureValue } from '../domain/feature-value.js'
import type { FeatureSpec } from '../domain/feature-set-spec.js'
import { InvalidFeatureValueError } from '../errors.js'
import { packFloat32, unpackFloat32 } from '../domain/float32-packing.js'

/**
 * FeatureValue <-> DynamoDB attribute. The declared feature type decides the decoding, because
 * DynamoDB's own types are too coarse (N is both double and int64; B both bytes and embeddings).
 * Embeddings are packed little-endian float32 in one B attribute: 4x smaller than an L of N and
 * decoded as a typed-array view (at most one memcpy, see ownBytes) instead of element by element.
 */

/** `feature` names the feature in the error when a value cannot be stored. */
export function encodeFeatureValue (value: FeatureValue | null, feature: string = value?.type ?? 'null'): AttributeValue {
  if (value === null) return { NULL: true }
  switch (value.type) {
    case 'double': return { N: formatDouble(value.value, feature) }
    case 'int64': return { N: value.value.toString() }
    case 'string': return { S: value.value }
    case 'bool': return { BOOL: value.value }
    case 'bytes': return { B: value.value }
    case 'timestamp': return { N: String(Math.trunc(value.value)) }
    case 'float_vector': return { B: packFloat32(value.value) }
    case 'double_list': return { L: value.value.map((n) => ({ N: formatDouble(n, feature) })) }
    case 'int64_list': return { L: value.value.map((n) => ({ N: n.toString() })) }
    case 'string_list': return { L: value.value.map((s) => ({ S: s })) }
    case 'bool_list': return { L: value.value.map((b) => ({ BOOL: b })) }
  }
}

/**
 * Returns undefined when the stored attribute does not fit the declared type (reported as invalid, not
 * guessed), e.g. after the registry changed a feature's type: a fraction read as int64, an int64 past
 * 2^53 read as a timestamp, bytes or a vector of another dimension read as a vector. Never
 * throws: one odd attribute must not take the rest of its row down.
 */
export function decodeFeatureValue (spec: FeatureSpec, attr: AttributeValue): FeatureValue | null | undefined {
  if (attr.NULL === true) return null
  switch (spec.type) {
    case 'double': return wrap(toDouble(attr.N), (value) => ({ type: 'double', value }))
    case 'int64': return wrap(toInt64(attr.N), (value) => ({ type: 'int64', value }))
    case 'string': return attr.S === undefined ? undefined : { type: 'string', value: attr.S }
    case 'bool': return attr.BOOL === undefined ? undefined : { type: 'bool', value: attr.BOOL }
    case 'bytes': return attr.B === undefined ? undefined : { type: 'bytes', value: ownBytes(attr.B) }
    case 'timestamp': return wrap(toSafeInteger(attr.N), (value) => ({ type: 'timestamp', value }))
    case 'float_vector': {
      if (attr.B === undefined || attr.B.byteLength % 4 !== 0) return undefined
      if (spec.dimension !== undefined && attr.B.byteLength / 4 !== spec.dimension) return undefined
      return { type: 'float_vector', value: unpackFloat32(ownBytes(attr.B)) }
    }
    case 'double_list': return decodeList(attr, (a) => toDouble(a.N), (value) => ({ type: 'double_list', value }))
    case 'int64_list': return decodeList(attr, (a) => toInt64(a.N), (value) => ({ type: 'int64_list', value }))
    case 'string_list': return decodeList(attr, (a) => a.S, (value) => ({ type: 'string_list', value }))
    case 'bool_list': return decodeList(attr, (a) => a.BOOL, (value) => ({ type: 'bool_list', value }))
  }
}

function wrap<T> (value: T | undefined, make: (value: T) => FeatureValue): FeatureValue | undefined {
  return value === undefined ? undefined : make(value)
}

const INTEGER = /^-?\d+$/

/** Any stored number reads as the nearest double (an int64 read as a double rounds, as a double does). */
function toDouble (n: string | undefined): number | undefined {
  if (n === undefined) return undefined
  const value = Number(n)
  return Number.isFinite(value) ? value : undefined
}

/** An exact integer; a fraction or an exponent form is not an int64. */
function toInt64 (n: string | undefined): bigint | undefined {
  if (n === undefined || !INTEGER.test(n)) return undefined
  const value = BigInt(n)
  return value < INT64_MIN || value > INT64_MAX ? undefined : value
}

/** Milliseconds: an integer a double holds exactly. */
function toSafeInteger (n: string | undefined): number | undefined {
  if (n === undefined || !INTEGER.test(n)) return undefined
  const value = Number(n)
  return Number.isSafeInteger(value) ? value : undefined
}

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

function decodeList<T> (attr: AttributeValue, item: (a: AttributeValue) => T | undefined, wrap: (items: T[]) => FeatureValue): FeatureValue | undefined {
  if (attr.L === undefined) return undefined
  const items: T[] = new Array<T>(attr.L.length)
  for (let i = 0; i < attr.L.length; i++) {
    const decoded = item(attr.L[i]!)
    if (decoded === undefined) return undefined
    items[i] = decoded
  }
  return wrap(items)
}

/** DynamoDB's number range: magnitudes from 1e-130 up to (not including) 1e126, or zero. */
const MIN_MAGNITUDE = 1e-130
const MAX_MAGNITUDE = 1e126

function formatDouble (n: number, feature: string): string {
  // DynamoDB numbers cannot hold NaN or infinities; refuse them at the edge rather than store garbage.
  if (!Number.isFinite(n)) throw new InvalidFeatureValueError(feature, `${n} is not a finite number`)
  // Outside DynamoDB's range the service rejects the whole BatchWriteItem call (all 25 rows) with a
  // ValidationException; refusing the one value here keeps the error on the row that caused it.
  const magnitude = Math.abs(n)
  if (magnitude !== 0 && (magnitude < MIN_MAGNITUDE || magnitude >= MAX_MAGNITUDE)) {
    throw new InvalidFeatureValueError(feature, `${n} is outside the range DynamoDB numbers can hold (magnitude 1e-130 to 1e126, or 0)`)
  }
  return String(n)
}

/**
 * DynamoDB's item size: attribute name lengths plus value sizes (numbers ~ 1 byte per 2 digits + 1,
 * each list/map element 1 byte of overhead, 3 bytes per list/map). Used to refuse rows over 400 KB
 * on write with a clear error instead of a ValidationException from the service.
 */
export function attributeSize (attr: AttributeValue): number {
  if (attr.S !== undefined) return Buffer.byteLength(attr.S)
  if (attr.N !== undefined) return Math.ceil(attr.N.replace(/^-|\.|e.*$/gi, '').length / 2) + 1
  if (attr.B !== undefined) return attr.B.byteLength
  if (attr.BOOL !== undefined || attr.NULL !== undefined) return 1
  if (attr.L !== undefined) return 3 + attr.L.reduce((sum, item) => sum + 1 + attributeSize(item), 0)
  if (attr.M !== undefined) return 3 + Object.entries(attr.M).reduce((sum, [k, v]) => sum + 1 + Buffer.byteLength(k) + attributeSize(v), 0)
  return 0
}

export function itemSize (item: Record<string, AttributeValue>): number {
  let size = 0
  for (const name in item) size += Buffer.byteLength(name) + attributeSize(item[name]!)
  return size
}

/**
 * The SDK decodes each B attribute with Buffer.from(base64), and Node carves buffers under 4 KB out
 * of shared 8 KB slabs: a view kept in the cache would pin the whole slab while the cache counts only
 * the view. Such views are copied out (one memcpy); a buffer that is mostly the value is kept as is.
 */
function ownBytes (bytes: Uint8Array): Uint8Array {
  // new Uint8Array(view) copies; Buffer#slice would not (it is Buffer#subarray).
  return bytes.byteLength * 2 < bytes.buffer.byteLength ? new Uint8Array(bytes) : bytes
}
