import { InvalidFeatureValueError } from '../errors.js'
import type { FeatureSpec } from './feature-set-spec.js'
import type { FeatureValue } from './feature-value.js'

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/**
 * A JSON value (from an ingest line) checked against the feature's declared type. int64 may be a
 * safe integer or a decimal string; bytes are base64; timestamps are epoch milliseconds or ISO-8601.
 */
export function parseFeatureValue (spec: FeatureSpec, input: unknown): FeatureValue | null {
  if (input === null) return null
  const fail = (why: string): never => { throw new InvalidFeatureValueError(spec.name, why) }
  switch (spec.type) {
    case 'double':
      return typeof input === 'number' && Number.isFinite(input) ? { type: 'double', value: input } : fail('expected a finite number')
    case 'int64':
      return { type: 'int64', value: parseInt64(input) ?? fail('expected a 64-bit integer (number or decimal string)') }
    case 'string':
      return typeof input === 'string' && input.isWellFormed() ? { type: 'string', value: input } : fail('expected a string of well-formed Unicode')
    case 'bool':
      return typeof input === 'boolean' ? { type: 'bool', value: input } : fail('expected true or false')
    case 'bytes':
      return typeof input === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(input) ? { type: 'bytes', value: Buffer.from(input, 'base64') } : fail('expected base64 text')
    case 'timestamp':
      return { type: 'timestamp', value: parseTimestamp(input) ?? fail(describeBadTimestamp(input)) }
    case 'float_vector': {
      if (!Array.isArray(input) || !input.every((n) => typeof n === 'number' && Number.isFinite(n))) return fail('expected a list of finite numbers')
      if (input.length !== spec.dimension) return fail(`expected ${spec.dimension ?? '?'} numbers, got ${input.length}`)
      // float32 would silently turn these into Infinity.
      const outOfRange = input.findIndex((n: number) => !Number.isFinite(Math.fround(n)))
      if (outOfRange !== -1) return fail(`element ${outOfRange} (${String(input[outOfRange])}) is outside the float32 range`)
      return { type: 'float_vector', value: Float32Array.from(input as number[]) }
    }
    case 'double_list':
      return Array.isArray(input) && input.every((n) => typeof n === 'number' && Number.isFinite(n)) ? { type: 'double_list', value: input as number[] } : fail('expected a list of finite numbers')
    case 'int64_list': {
      if (!Array.isArray(input)) return fail('expected a list of 64-bit integers')
      return { type: 'int64_list', value: input.map((n) => parseInt64(n) ?? fail('expected a list of 64-bit integers')) }
    }
    case 'string_list':
      return Array.isArray(input) && input.every((s) => typeof s === 'string' && s.isWellFormed()) ? { type: 'string_list', value: input as string[] } : fail('expected a list of strings of well-formed Unicode')
    case 'bool_list':
      return Array.isArray(input) && input.every((b) => typeof b === 'boolean') ? { type: 'bool_list', value: input as boolean[] } : fail('expected a list of booleans')
  }
}

function parseInt64 (input: unknown): bigint | undefined {
  let value: bigint
  if (typeof input === 'number' && Number.isSafeInteger(input)) value = BigInt(input)
  else if (typeof input === 'string' && /^-?\d{1,19}$/.test(input)) value = BigInt(input)
  else return undefined
  return value >= INT64_MIN && value <= INT64_MAX ? value : undefined
}

export function parseTimestamp (input: unknown): number | undefined {
  if (typeof input === 'number' && Number.isSafeInteger(input) && input >= 0) return input
  // Only with an offset: without one, Date.parse reads the time in the machine's own time zone.
  if (typeof input === 'string' && ISO_WITH_OFFSET.test(input)) {
    const ms = Date.parse(input)
    return Number.isNaN(ms) ? undefined : ms
  }
  return undefined
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i

/** Why a time was refused, in words a person can act on; undefined when parseTimestamp takes it. */
function describeBadTimestamp (input: unknown): string {
  if (typeof input === 'string' && /^\d{4}-\d{2}-\d{2}T[^Zz+-]*$/.test(input)) {
    return `${JSON.stringify(input).slice(0, 60)} has no UTC offset: add Z (UTC) or an offset such as +02:00`
  }
  return `expected epoch milliseconds or an ISO-8601 time with a UTC offset, got ${JSON.stringify(input)?.slice(0, 60) ?? String(input)}`
}

/** Event times outside [1970, 2200) are refused: a microsecond or nanosecond epoch lands far beyond. */
const MAX_EVENT_TIME_MS = Date.UTC(2200, 0, 1)

/** An event time: a timestamp within the plausible range, or why not. */
export function parseEventTime (input: unknown): { readonly ms: number } | { readonly error: string } {
  const ms = parseTimestamp(input)
  if (ms === undefined) return { error: describeBadTimestamp(input) }
  if (ms >= MAX_EVENT_TIME_MS) {
    return { error: `${String(input)} is after the year 2200: event times are epoch milliseconds (this looks like micro- or nanoseconds) from 1970 to 2200` }
  }
  return { ms }
}
