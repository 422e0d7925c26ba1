import { join } from 'node:path'
import protobuf from 'protobufjs'
import { FEATURE_STATUSES, type FeatureStatus } from '../../domain/feature-status.js'
import { FEATURE_STORE_PROTO } from './proto-contract.js'
import type { OnlineResponseWire, RealtimeResponseWire, StatusNumber } from './wire-types.js'
import { LITTLE_ENDIAN } from '../../domain/float32-packing.js'

export interface ResponseCodec {
  /** Domain status -> the proto enum's number, read from the proto itself. */
  readonly statusNumber: Readonly<Record<FeatureStatus, StatusNumber>>
  encodeOnline (message: OnlineResponseWire): Buffer
  encodeRealtime (message: RealtimeResponseWire): Buffer
}

/** Field 1 of FloatList, length-delimited: (1 << 3) | 2. */
const FLOAT_LIST_VALUES_TAG = 10

/**
 * Encoders for the two responses, built with protobufjs from the same .proto the loader reads.
 * proto-loader's own serializer first copies every message through fromObject (and insists on
 * plain arrays, so each embedding would be copied into a number[] too); encoding the plain objects
 * directly measured 1.6x faster on a typical response. On top of that, a packed `repeated float`
 * is on the wire exactly a length-prefixed block of little-endian float32s, which is what a
 * Float32Array holds in memory on every platform Node runs on: so an embedding is written as one
 * byte copy instead of one write per dimension.
 */
export function createResponseCodec (protoDir: string): ResponseCodec {
  const root = new protobuf.Root()
  root.resolvePath = (_origin, target) => join(protoDir, target)
  root.loadSync(FEATURE_STORE_PROTO, { keepCase: true })
  root.resolveAll()

  const floatList = root.lookupType('feature_store.v1.FloatList')
  // setup() generates the type's codec functions; overriding encode afterwards keeps ours in place.
  floatList.setup()
  const genericEncode = floatList.encode.bind(floatList)
  floatList.encode = (message: { values?: unknown }, writer?: protobuf.Writer): protobuf.Writer => {
    const values = message.values
    if (!(values instanceof Float32Array) || !LITTLE_ENDIAN) return genericEncode(message, writer)
    const out = writer ?? protobuf.Writer.create()
    if (values.length > 0) out.uint32(FLOAT_LIST_VALUES_TAG).bytes(new Uint8Array(values.buffer, values.byteOffset, values.byteLength))
    return out
  }

  const online = root.lookupType('feature_store.v1.GetOnlineFeaturesResponse')
  const realtime = root.lookupType('feature_store.v1.GetRealtimeFeaturesResponse')
  return {
    statusNumber: statusNumbers(root.lookupEnum('feature_store.v1.FeatureStatus')),
    encodeOnline: (message) => asBuffer(online.encode(message).finish()),
    encodeRealtime: (message) => asBuffer(realtime.encode(message).finish())
  }
}

/** Fails at start-up, not per call, if the proto and the domain ever disagree on the statuses. */
function statusNumbers (protoEnum: protobuf.Enum): Record<FeatureStatus, StatusNumber> {
  const numbers = {} as Record<FeatureStatus, StatusNumber>
  for (const status of FEATURE_STATUSES) {
    const number = protoEnum.values[`FEATURE_STATUS_${status}`]
    if (number === undefined || number === 0) throw new Error(`feature_store.v1.FeatureStatus has no FEATURE_STATUS_${status}`)
    numbers[status] = number as StatusNumber
  }
  return numbers
}

function asBuffer (bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
