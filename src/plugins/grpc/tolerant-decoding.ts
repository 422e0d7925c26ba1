import { InvalidArgumentError } from '../../errors.js'

/**
 * grpc-js answers a request its deserializer throws on with INTERNAL ("Error deserializing
 * request"), which blames the server for the caller's bytes. Decoding never throws here instead:
 * undecodable bytes become a marker that the call wrapper refuses as INVALID_ARGUMENT.
 */
const MALFORMED = Symbol('malformed request')

export function tolerantDeserializer<T> (deserialize: (bytes: Buffer) => T): (bytes: Buffer) => T {
  return (bytes) => {
    try {
      return deserialize(bytes)
    } catch {
      return MALFORMED as T
    }
  }
}

export function assertDecoded (request: unknown, method: string): void {
  if (request === MALFORMED) throw new InvalidArgumentError(`the request is not a valid ${method.slice(method.lastIndexOf('/') + 1)} request message (it could not be decoded)`)
}
