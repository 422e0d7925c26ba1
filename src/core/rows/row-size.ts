import type { FeatureRow } from '../../domain/feature-row.js'
import type { FeatureValue } from '../../domain/feature-value.js'

/** Approximate heap bytes of a decoded row, so the cache can be bounded by memory rather than by count. */
export function estimateRowBytes (row: FeatureRow): number {
  let bytes = 96
  for (const [name, value] of row.values) bytes += 48 + name.length * 2 + valueBytes(value)
  return bytes
}

function valueBytes (value: FeatureValue | null): number {
  if (value === null) return 0
  switch (value.type) {
    case 'double': case 'int64': case 'bool': case 'timestamp': return 16
    case 'string': return 16 + value.value.length * 2
    case 'bytes': case 'float_vector': return 96 + value.value.byteLength
    case 'double_list': case 'int64_list': case 'bool_list': return 32 + value.value.length * 16
    case 'string_list': return 32 + value.value.reduce((sum, s) => sum + 24 + s.length * 2, 0)
  }
}
