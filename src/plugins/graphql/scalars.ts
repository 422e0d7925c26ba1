import { GraphQLError, Kind, type ValueNode } from 'graphql'
import { parseTimestamp } from '../../domain/parse-feature-value.js'
import { isoTime } from '../../domain/iso-time.js'

/**
 * The schema's custom scalars. Input errors are GraphQLErrors, so graphql reports them as the
 * caller's (variable coercion or validation), never as internal errors.
 */
// A type alias, not an interface: Mercurius' IResolvers takes it only as an object type (implicit index signature).
type ScalarResolver = {
  serialize: (value: unknown) => unknown
  parseValue: (value: unknown) => unknown
  parseLiteral: (ast: ValueNode) => unknown
}

const INT64 = /^-?\d{1,19}$/
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

function int64 (input: unknown): bigint {
  let value: bigint | undefined
  if (typeof input === 'bigint') value = input
  else if (typeof input === 'number' && Number.isSafeInteger(input)) value = BigInt(input)
  else if (typeof input === 'string' && INT64.test(input)) value = BigInt(input)
  if (value === undefined || value < INT64_MIN || value > INT64_MAX) throw new GraphQLError('Int64 takes a 64-bit integer as a decimal string (or a safe integer)')
  return value
}

function dateTime (input: unknown): number {
  const ms = parseTimestamp(input)
  if (ms === undefined) throw new GraphQLError('DateTime takes epoch milliseconds or an ISO-8601 time such as 2026-11-20T10:00:00Z')
  return ms
}

/** JSON literal of any shape, for the JSON scalar's (rare) use as an input. */
function literal (ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.INT: case Kind.FLOAT: return Number(ast.value)
    case Kind.STRING: case Kind.ENUM: return ast.value
    case Kind.BOOLEAN: return ast.value
    case Kind.NULL: return null
    case Kind.LIST: return ast.values.map(literal)
    case Kind.OBJECT: return Object.fromEntries(ast.fields.map((f) => [f.name.value, literal(f.value)]))
    case Kind.VARIABLE: throw new GraphQLError('JSON literals cannot contain variables')
  }
}

export const scalarResolvers: Record<'DateTime' | 'Int64' | 'JSON' | 'FilterValue', ScalarResolver> = {
  DateTime: {
    serialize: (value) => {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new GraphQLError('DateTime cannot represent a non-number')
      return isoTime(value)
    },
    parseValue: dateTime,
    parseLiteral: (ast) => {
      if (ast.kind === Kind.STRING) return dateTime(ast.value)
      if (ast.kind === Kind.INT) return dateTime(Number(ast.value))
      throw new GraphQLError('DateTime takes epoch milliseconds or an ISO-8601 string')
    }
  },
  Int64: {
    serialize: (value) => int64(value).toString(),
    parseValue: int64,
    parseLiteral: (ast) => {
      if (ast.kind === Kind.STRING || ast.kind === Kind.INT) return int64(ast.value)
      throw new GraphQLError('Int64 takes a decimal string or an integer')
    }
  },
  JSON: {
    serialize: (value) => value,
    parseValue: (value) => value,
    parseLiteral: literal
  },
  FilterValue: {
    serialize: (value) => value,
    parseValue: (value) => {
      if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return value
      throw new GraphQLError('FilterValue takes a number, a string or a boolean')
    },
    parseLiteral: (ast) => {
      switch (ast.kind) {
        // Integers stay exact: an int64 literal past 2^53 is kept as its digits.
        case Kind.INT: return Number.isSafeInteger(Number(ast.value)) ? Number(ast.value) : ast.value
        case Kind.FLOAT: return Number(ast.value)
        case Kind.STRING: return ast.value
        case Kind.BOOLEAN: return ast.value
        default: throw new GraphQLError('FilterValue takes a number, a string or a boolean')
      }
    }
  }
}
