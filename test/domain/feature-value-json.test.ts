import t from 'tap'
import type { FeatureValue } from '../../src/domain/feature-value.js'
import { valueJson, valueJsonText } from '../../src/domain/feature-value-json.js'

const values: FeatureValue[] = [
  { type: 'double', value: 0.1 }, { type: 'double', value: -0 }, { type: 'double', value: 1e21 }, { type: 'double', value: 5e-324 },
  { type: 'double', value: Number.NaN }, { type: 'double', value: Number.POSITIVE_INFINITY },
  { type: 'int64', value: -(2n ** 63n) }, { type: 'int64', value: 2n ** 63n - 1n }, { type: 'int64', value: 0n },
  { type: 'string', value: '' }, { type: 'string', value: 'quote " backslash \\ newline \n tab \t nul \u0000 lone surrogate \ud800 emoji 😀' },
  { type: 'bool', value: true }, { type: 'bool', value: false },
  { type: 'bytes', value: new Uint8Array([0, 255, 128]) },
  { type: 'timestamp', value: 0 }, { type: 'timestamp', value: 1_796_400_381_141 }, { type: 'timestamp', value: -1 }, { type: 'timestamp', value: 253_402_300_800_000 },
  { type: 'float_vector', value: new Float32Array([0.1, -2.5, 3e38]) },
  { type: 'double_list', value: [1.5, -0, 2] }, { type: 'int64_list', value: [1n, -9007199254740993n] },
  { type: 'string_list', value: ['a', '"b"'] }, { type: 'bool_list', value: [true, false] }
]

t.test('valueJsonText writes exactly the text JSON.stringify gives for valueJson, for every type and its awkward values', async (t) => {
  // Named by position and type: a NUL or a lone surrogate in a test's name would reach the TAP log as is.
  values.forEach((value, i) => {
    t.equal(valueJsonText(value), JSON.stringify(valueJson(value)), `value ${i}, ${value.type}`)
  })
})
