import type { FeatureRow } from './feature-row.js'
import type { FeatureValue } from './feature-value.js'

/** Per value besides its payload: the attribute's name and type, roughly as DynamoDB counts an item. */
const VALUE_OVERHEAD = 16

/**
 * About how many bytes a row's values take: payloads at their stored size (a float vector 4 bytes a
 * dimension, a string a byte a character), numbers at 8. An estimate for bounding a page's memory
 * by bytes rather than rows, not an exact item size.
 */
export function approximateRowBytes (row: FeatureRow | undefined): number {
  if (row === undefined) return 0
  let bytes = VALUE_OVERHEAD
  for (const value of row.values.values()) bytes += VALUE_OVERHEAD + (value === null ? 0 : valueBytes(value))
  return bytes
}

function valueBytes (value: FeatureValue): number {
  switch (value.type) {
    case 'double':
    case 'int64':
    case 'timestamp':
      return 8
    case 'bool':
      return 1
    case 'string':
      return value.value.length
    case 'bytes':
    case 'float_vector':
      return value.value.byteLength
    case 'double_list':
    case 'int64_list':
      return 8 * value.value.length
    case 'bool_list':
      return value.value.length
    case 'string_list': {
      let bytes = 0
      for (const s of value.value) bytes += 2 + s.length
      return bytes
    }
  }
}
