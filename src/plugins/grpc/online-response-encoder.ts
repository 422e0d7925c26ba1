import type { FeatureVector } from './generated/feature_store/v1/FeatureVector.js'
import type { GetOnlineFeaturesResponse } from './generated/feature_store/v1/GetOnlineFeaturesResponse.js'
import type { Value } from './generated/feature_store/v1/Value.js'
import type { OnlineResponseWire, WireFeatureVector, WireValue } from './wire-types.js'

/*
 * GetOnlineFeaturesResponse straight to bytes: one size pass, one Buffer, one write pass. This is
 * the answer every inference call waits for, and protobufjs's writer spends most of its time
 * allocating an operation object per field; measured on a typical answer (1 entity x 9 features
 * with a 256-d embedding), this takes a fraction of its time. The layout follows
 * proto/feature_store/v1/feature_store.proto field by field; test/grpc/contract.test.ts checks the
 * output is byte-identical to protobufjs's for every value type, so a proto change that this file
 * misses fails there. The field names below are checked against the generated types.
 */

type ResponseField = keyof GetOnlineFeaturesResponse
type VectorField = keyof FeatureVector
type ValueField = Exclude<keyof Value, 'kind'>
/** Wire tags, (field number << 3) | wire type, named by the generated field they encode. */
const RESPONSE = { feature_refs: 0x0a, entity_ids: 0x12, results: 0x1a } as const satisfies Record<ResponseField, number>
const VECTOR = { values: 0x0a, statuses: 0x12, event_times_ms: 0x1a } as const satisfies Record<VectorField, number>
const VALUE = {
  double_value: 0x09,
  int64_value: 0x10,
  string_value: 0x1a,
  bool_value: 0x20,
  bytes_value: 0x2a,
  timestamp_ms_value: 0x30,
  float_vector_value: 0x3a,
  double_list_value: 0x42,
  int64_list_value: 0x4a,
  string_list_value: 0x52,
  bool_list_value: 0x5a
} as const satisfies Record<ValueField, number>
/** Field 1 of every list message, length-delimited (packed scalars, or one string per tag). */
const LIST_VALUES = 0x0a

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

export function encodeOnlineResponse (message: OnlineResponseWire): Buffer {
  const out = new Out(Buffer.allocUnsafe(responseSize(message)))
  for (const ref of message.feature_refs ?? []) out.string(RESPONSE.feature_refs, ref)
  for (const id of message.entity_ids ?? []) out.string(RESPONSE.entity_ids, id)
  for (const vector of message.results) {
    out.tag(RESPONSE.results)
    out.varint(vectorSize(vector))
    writeVector(out, vector)
  }
  return out.done()
}

// ---- sizes -------------------------------------------------------------------------------------

function responseSize (message: OnlineResponseWire): number {
  let size = 0
  for (const ref of message.feature_refs ?? []) size += 1 + delimited(Buffer.byteLength(ref))
  for (const id of message.entity_ids ?? []) size += 1 + delimited(Buffer.byteLength(id))
  for (const vector of message.results) size += 1 + delimited(vectorSize(vector))
  return size
}

function vectorSize (vector: WireFeatureVector): number {
  let size = 0
  for (const value of vector.values) size += 1 + delimited(valueSize(value))
  if (vector.statuses.length > 0) size += 1 + delimited(statusesSize(vector))
  if (vector.event_times_ms.length > 0) size += 1 + delimited(timesSize(vector))
  return size
}

function statusesSize (vector: WireFeatureVector): number {
  let size = 0
  for (const status of vector.statuses) size += varintSize(status)
  return size
}

function timesSize (vector: WireFeatureVector): number {
  let size = 0
  for (const time of vector.event_times_ms) size += int64Size(time)
  return size
}

function valueSize (value: WireValue): number {
  if (value.double_value != null) return 1 + 8
  if (value.int64_value != null) return 1 + int64Size(value.int64_value)
  if (value.string_value != null) return 1 + delimited(Buffer.byteLength(value.string_value))
  if (value.bool_value != null) return 1 + 1
  if (value.bytes_value != null) return 1 + delimited(bytesOf(value.bytes_value).byteLength)
  if (value.timestamp_ms_value != null) return 1 + int64Size(value.timestamp_ms_value)
  if (value.float_vector_value != null) return 1 + delimited(packedSize(value.float_vector_value.values.length * 4))
  if (value.double_list_value != null) return 1 + delimited(packedSize((value.double_list_value.values ?? []).length * 8))
  if (value.int64_list_value != null) return 1 + delimited(packedSize(int64ListSize(value.int64_list_value.values ?? [])))
  if (value.string_list_value != null) return 1 + delimited(stringListSize(value.string_list_value.values ?? []))
  if (value.bool_list_value != null) return 1 + delimited(packedSize((value.bool_list_value.values ?? []).length))
  return 0
}

/** A packed field of `bytes` payload bytes inside a list message; absent when empty, as protobuf does. */
function packedSize (bytes: number): number {
  return bytes === 0 ? 0 : 1 + delimited(bytes)
}

function int64ListSize (values: ReadonlyArray<number | string | object>): number {
  let size = 0
  for (const v of values) size += int64Size(v)
  return size
}

function stringListSize (values: readonly string[]): number {
  let size = 0
  for (const s of values) size += 1 + delimited(Buffer.byteLength(s))
  return size
}

function delimited (length: number): number {
  return varintSize(length) + length
}

function varintSize (n: number): number {
  if (n < 0x80) return 1
  if (n < 0x4000) return 2
  if (n < 0x200000) return 3
  if (n < 0x10000000) return 4
  let size = 4
  for (let rest = Math.floor(n / 0x10000000); rest > 0; rest = Math.floor(rest / 0x80)) size++
  return size
}

function int64Size (value: number | string | object): number {
  if (typeof value === 'number' && value >= 0 && Number.isSafeInteger(value)) return varintSize(value)
  let bits = BigInt.asUintN(64, BigInt(String(value)))
  let size = 1
  while (bits >= 0x80n) { bits >>= 7n; size++ }
  return size
}

function bytesOf (value: Buffer | Uint8Array | string): Uint8Array {
  return typeof value === 'string' ? Buffer.from(value, 'base64') : value
}

// ---- writing -----------------------------------------------------------------------------------

function writeVector (out: Out, vector: WireFeatureVector): void {
  for (const value of vector.values) {
    out.tag(VECTOR.values)
    out.varint(valueSize(value))
    writeValue(out, value)
  }
  if (vector.statuses.length > 0) {
    out.tag(VECTOR.statuses)
    out.varint(statusesSize(vector))
    for (const status of vector.statuses) out.varint(status)
  }
  if (vector.event_times_ms.length > 0) {
    out.tag(VECTOR.event_times_ms)
    out.varint(timesSize(vector))
    for (const time of vector.event_times_ms) out.int64(time)
  }
}

function writeValue (out: Out, value: WireValue): void {
  if (value.double_value != null) {
    out.tag(VALUE.double_value)
    out.double(Number(value.double_value))
  } else if (value.int64_value != null) {
    out.tag(VALUE.int64_value)
    out.int64(value.int64_value)
  } else if (value.string_value != null) {
    out.string(VALUE.string_value, value.string_value)
  } else if (value.bool_value != null) {
    out.tag(VALUE.bool_value)
    out.varint(value.bool_value ? 1 : 0)
  } else if (value.bytes_value != null) {
    const bytes = bytesOf(value.bytes_value)
    out.tag(VALUE.bytes_value)
    out.varint(bytes.byteLength)
    out.bytes(bytes)
  } else if (value.timestamp_ms_value != null) {
    out.tag(VALUE.timestamp_ms_value)
    out.int64(value.timestamp_ms_value)
  } else if (value.float_vector_value != null) {
    const floats = value.float_vector_value.values
    out.tag(VALUE.float_vector_value)
    out.varint(packedSize(floats.length * 4))
    if (floats.length > 0) {
      out.tag(LIST_VALUES)
      out.varint(floats.length * 4)
      out.floats(floats)
    }
  } else if (value.double_list_value != null) {
    const doubles = value.double_list_value.values ?? []
    out.tag(VALUE.double_list_value)
    out.varint(packedSize(doubles.length * 8))
    if (doubles.length > 0) {
      out.tag(LIST_VALUES)
      out.varint(doubles.length * 8)
      for (const d of doubles) out.double(Number(d))
    }
  } else if (value.int64_list_value != null) {
    const ints = value.int64_list_value.values ?? []
    const payload = int64ListSize(ints)
    out.tag(VALUE.int64_list_value)
    out.varint(packedSize(payload))
    if (payload > 0) {
      out.tag(LIST_VALUES)
      out.varint(payload)
      for (const i of ints) out.int64(i)
    }
  } else if (value.string_list_value != null) {
    const strings = value.string_list_value.values ?? []
    out.tag(VALUE.string_list_value)
    out.varint(stringListSize(strings))
    for (const s of strings) out.string(LIST_VALUES, s)
  } else if (value.bool_list_value != null) {
    const bools = value.bool_list_value.values ?? []
    out.tag(VALUE.bool_list_value)
    out.varint(packedSize(bools.length))
    if (bools.length > 0) {
      out.tag(LIST_VALUES)
      out.varint(bools.length)
      for (const b of bools) out.varint(b ? 1 : 0)
    }
  }
}

class Out {
  readonly #buf: Buffer
  #pos = 0

  constructor (buf: Buffer) {
    this.#buf = buf
  }

  tag (tag: number): void {
    this.#buf[this.#pos++] = tag
  }

  varint (n: number): void {
    const buf = this.#buf
    while (n >= 0x80) {
      buf[this.#pos++] = (n % 0x80) | 0x80
      n = Math.floor(n / 0x80)
    }
    buf[this.#pos++] = n
  }

  int64 (value: number | string | object): void {
    if (typeof value === 'number' && value >= 0 && Number.isSafeInteger(value)) {
      this.varint(value)
      return
    }
    // Negative or beyond 2^53: two's complement over 64 bits, as protobuf writes int64.
    let bits = BigInt.asUintN(64, BigInt(String(value)))
    const buf = this.#buf
    while (bits >= 0x80n) {
      buf[this.#pos++] = Number(bits & 0x7fn) | 0x80
      bits >>= 7n
    }
    buf[this.#pos++] = Number(bits)
  }

  double (d: number): void {
    this.#pos = this.#buf.writeDoubleLE(d, this.#pos)
  }

  string (tag: number, s: string): void {
    this.tag(tag)
    const length = Buffer.byteLength(s)
    this.varint(length)
    this.#pos += this.#buf.write(s, this.#pos, length, 'utf8')
  }

  bytes (bytes: Uint8Array): void {
    this.#buf.set(bytes, this.#pos)
    this.#pos += bytes.byteLength
  }

  /** Packed float32: the Float32Array's own bytes where the platform is little-endian (all Node runs on). */
  floats (values: Float32Array): void {
    if (LITTLE_ENDIAN) {
      this.bytes(new Uint8Array(values.buffer, values.byteOffset, values.byteLength))
      return
    }
    for (const f of values) this.#pos = this.#buf.writeFloatLE(f, this.#pos)
  }

  done (): Buffer {
    if (this.#pos !== this.#buf.length) throw new Error(`online response encoder wrote ${this.#pos} of ${this.#buf.length} bytes`)
    return this.#buf
  }
}
