import type { FeatureSetSpec } from '../../src/domain/feature-set-spec.js'

/** A feature set with one feature of every value type, for tests that carry every type through a protocol. */
export const ALL_TYPES: FeatureSetSpec = {
  name: 'all_types',
  entityType: 'thing',
  features: [
    { name: 'd', type: 'double' },
    { name: 'i', type: 'int64' },
    { name: 's', type: 'string' },
    { name: 'b', type: 'bool' },
    { name: 'y', type: 'bytes' },
    { name: 'ts', type: 'timestamp' },
    { name: 'v', type: 'float_vector', dimension: 8 },
    { name: 'dl', type: 'double_list' },
    { name: 'il', type: 'int64_list' },
    { name: 'sl', type: 'string_list' },
    { name: 'bl', type: 'bool_list' }
  ]
}
