import t from 'tap'
import type { PullBatch } from '../../src/core/export/feature-pull.js'
import type { FeatureResult } from '../../src/core/feature-lookup.js'
import type { ResolvedFeature } from '../../src/core/feature-registry.js'
import { FEATURE_STATUSES } from '../../src/domain/feature-status.js'
import type { FeatureSetSpec } from '../../src/domain/feature-set-spec.js'
import type { FeatureValue } from '../../src/domain/feature-value.js'
import { valueJson } from '../../src/domain/feature-value-json.js'
import { isoTime } from '../../src/domain/iso-time.js'
import { seededRandom } from '../../src/lib/seeded-random.js'
import { ndjsonEncoder } from '../../src/plugins/pull/ndjson-encoder.js'
import { ALL_TYPES } from '../helpers/all-types.js'

/**
 * The NDJSON encoder writes its lines as bytes, piece by piece; each line must be exactly the text
 * JSON.stringify gives for the row as an object ({entity_id, features, statuses, event_times}), for
 * random rows of every value type, status and awkward string.
 */

const OTHER: FeatureSetSpec = { name: 'other "set"', entityType: 'thing', features: [{ name: 'ts', type: 'timestamp' }, { name: 'n', type: 'double' }] }
const resolved = (set: FeatureSetSpec, name: string): ResolvedFeature => {
  const feature = set.features.find((f) => f.name === name)!
  return { ref: `${set.name}:${name}`, featureSet: set, feature } as ResolvedFeature
}
// Every type of one set, two features of another, and one ref asked for twice (written once).
const FEATURES = [...ALL_TYPES.features.map((f) => resolved(ALL_TYPES, f.name)), resolved(OTHER, 'ts'), resolved(OTHER, 'n'), resolved(ALL_TYPES, 'd')]

const random = seededRandom(20261205)
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
const STRINGS = ['', 'plain', 'quote " and \\ backslash', 'line\nbreak\ttab\u0001', 'Grüße 世界', 'emoji 🚀 pair', 'lone \ud800 surrogate', '\u2028\u2029', '</script>']
const DOUBLES = [0, -0, 1.5, -2.25e-300, 1e21, 1.7976931348623157e308, Number.NaN, Number.POSITIVE_INFINITY, 0.1 + 0.2, 123456789012345680000]
const TIMES = [0, -1, 1_796_400_381_141, 253_402_300_799_999, 253_402_300_800_000, -62_167_219_200_001]

function randomValue (type: string): FeatureValue {
  switch (type) {
    case 'double': return { type: 'double', value: random() < 0.5 ? pick(DOUBLES) : (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20) }
    case 'int64': return { type: 'int64', value: BigInt(Math.floor((random() - 0.5) * 2 ** 53)) * (random() < 0.3 ? 1024n : 1n) }
    case 'string': return { type: 'string', value: pick(STRINGS) }
    case 'bool': return { type: 'bool', value: random() < 0.5 }
    case 'bytes': return { type: 'bytes', value: Uint8Array.from({ length: Math.floor(random() * 9) }, () => Math.floor(random() * 256)) }
    case 'timestamp': return { type: 'timestamp', value: random() < 0.3 ? pick(TIMES) : Math.floor(random() * 4e12) }
    case 'float_vector': return { type: 'float_vector', value: Float32Array.from({ length: 8 }, () => (random() - 0.5) * 100) }
    case 'double_list': return { type: 'double_list', value: Array.from({ length: Math.floor(random() * 4) }, () => pick(DOUBLES)) }
    case 'int64_list': return { type: 'int64_list', value: Array.from({ length: Math.floor(random() * 4) }, () => BigInt(Math.floor(random() * 1e9))) }
    case 'string_list': return { type: 'string_list', value: Array.from({ length: Math.floor(random() * 4) }, () => pick(STRINGS)) }
    default: return { type: 'bool_list', value: Array.from({ length: Math.floor(random() * 4) }, () => random() < 0.5) }
  }
}

function randomRow (i: number): { entityId: string, results: FeatureResult[] } {
  const setTime = new Map<string, number | undefined>()
  const results = FEATURES.map((f): FeatureResult => {
    if (!setTime.has(f.featureSet.name)) setTime.set(f.featureSet.name, random() < 0.15 ? undefined : pick([...TIMES, Math.floor(random() * 4e12)]))
    const eventTime = setTime.get(f.featureSet.name)
    const status = pick(FEATURE_STATUSES)
    const hasValue = eventTime !== undefined && (status === 'PRESENT' || status === 'STALE')
    return { status, value: hasValue ? randomValue(f.feature.type) : null, eventTime }
  })
  return { entityId: i % 7 === 0 ? `${pick(STRINGS)}_${i}` : `user_${i}`, results }
}

/** The line as JSON.stringify writes it: what the encoder's bytes must equal. */
function expectedLine (row: { entityId: string, results: FeatureResult[] }): string {
  const features: Record<string, unknown> = {}
  const statuses: Record<string, string> = {}
  const eventTimes: Record<string, string | null> = {}
  FEATURES.forEach((f, i) => {
    const result = row.results[i]!
    if (!(f.ref in features)) {
      features[f.ref] = result.value === null ? null : valueJson(result.value)
      statuses[f.ref] = result.status
    }
    if (!(f.featureSet.name in eventTimes)) eventTimes[f.featureSet.name] = result.eventTime === undefined ? null : isoTime(result.eventTime)
  })
  return JSON.stringify({ entity_id: row.entityId, features, statuses, event_times: eventTimes }) + '\n'
}

t.test('every line is the text JSON.stringify gives for the row, whatever its values', async (t) => {
  const encoder = ndjsonEncoder(FEATURES)
  let lines = 0
  let mismatches = 0
  // Batches of changing sizes, so the buffer is sized from the last batch and has to grow too.
  for (const size of [1, 3, 250, 40, 1000, 2, 600]) {
    const rows = Array.from({ length: size }, (_, i) => randomRow(lines + i))
    const batch: PullBatch = { rows: rows.map((entity) => ({ entity, cursor: 'unused' })), resumeAfter: `token_${size}`, done: false, itemsScanned: size }
    const text = Buffer.concat(encoder.batch(batch)).toString('utf8')
    const expected = rows.map(expectedLine).join('') + JSON.stringify({ resume_after: `token_${size}` }) + '\n'
    if (text !== expected) {
      mismatches++
      const got = text.split('\n')
      const want = expected.split('\n')
      const at = want.findIndex((line, i) => line !== got[i])
      t.equal(got[at], want[at], `first differing line of the batch of ${size}`)
    }
    lines += size
  }
  t.equal(mismatches, 0, `${lines} random rows, every line as JSON.stringify writes it`)
  t.same(encoder.batch({ rows: [], resumeAfter: undefined, done: true, itemsScanned: 0 }), [], 'no bytes for an empty batch without a token')
})

t.test('a time outside the four-digit years is written as Date writes it; an invalid one fails as isoTime does', async (t) => {
  const encoder = ndjsonEncoder([resolved(OTHER, 'ts')])
  const row = (value: number, eventTime: number): PullBatch => ({
    rows: [{ entity: { entityId: 'x', results: [{ status: 'PRESENT', value: { type: 'timestamp', value }, eventTime }] }, cursor: '' }],
    resumeAfter: undefined,
    done: false,
    itemsScanned: 1
  })
  const text = Buffer.concat(encoder.batch(row(8.64e15, -8.64e15))).toString()
  t.equal(text, JSON.stringify({ entity_id: 'x', features: { 'other "set":ts': '+275760-09-13T00:00:00.000Z' }, statuses: { 'other "set":ts': 'PRESENT' }, event_times: { 'other "set"': '-271821-04-20T00:00:00.000Z' } }) + '\n')
  t.throws(() => encoder.batch(row(Number.NaN, 0)), RangeError)
})
