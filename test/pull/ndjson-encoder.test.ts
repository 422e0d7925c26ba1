import t from 'tap'
import type { PullBatch } from '../../src/core/export/feature-pull.js'
import { PageColumns } from '../../src/core/export/page-columns.js'
import { featureResult } from '../../src/core/feature-lookup.js'
import type { ResolvedFeature } from '../../src/core/feature-registry.js'
import type { RowResult } from '../../src/domain/feature-row.js'
import { FEATURE_STATUSES } from '../../src/domain/feature-status.js'
import type { FeatureSetSpec } from '../../src/domain/feature-set-spec.js'
import type { FeatureValue } from '../../src/domain/feature-value.js'
import { valueJson } from '../../src/domain/feature-value-json.js'
import { isoTime } from '../../src/domain/iso-time.js'
import { StoreUnavailableError } from '../../src/errors.js'
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
const NOW = 1_796_400_381_141
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

interface RandomRow { entityId: string, rows: Map<string, RowResult> }

/**
 * A random page row: each set's stored row absent, unread, or a row whose features are each absent,
 * null, of another type (invalid) or a value, served stale or not: every status there is.
 */
function randomRow (i: number): RandomRow {
  const rows = new Map<string, RowResult>()
  for (const set of [ALL_TYPES, OTHER]) {
    const draw = random()
    if (draw < 0.08) continue
    if (draw < 0.14) {
      rows.set(set.name, { unread: new StoreUnavailableError() })
      continue
    }
    const values = new Map<string, FeatureValue | null>()
    const invalid = new Set<string>()
    for (const feature of set.features) {
      const kind = random()
      if (kind < 0.1) continue
      if (kind < 0.2) values.set(feature.name, null)
      else if (kind < 0.28) invalid.add(feature.name)
      else values.set(feature.name, randomValue(feature.type))
    }
    const eventTime = pick([...TIMES, Math.floor(random() * 4e12)])
    rows.set(set.name, { eventTime, values, invalid, ...(random() < 0.15 && { staleIfError: true as const }) })
  }
  return { entityId: i % 7 === 0 ? `${pick(STRINGS)}_${i}` : `user_${i}`, rows }
}

/** A batch of these rows, as a page's columns. */
async function batchOf (rows: readonly RandomRow[], resumeAfter: string | undefined, features = FEATURES): Promise<PullBatch> {
  const columns = await PageColumns.of(features, rows.map((row) => row.entityId), (set, row) => rows[row]!.rows.get(set), NOW, () => 'unused')
  return { columns, resumeAfter, done: false, itemsScanned: rows.length }
}

/** The line as JSON.stringify writes it for the lookup's results (featureResult): what the encoder's bytes must equal. */
function expectedLine (row: RandomRow): string {
  const features: Record<string, unknown> = {}
  const statuses: Record<string, string> = {}
  const eventTimes: Record<string, string | null> = {}
  FEATURES.forEach((f) => {
    const result = featureResult(row.rows.get(f.featureSet.name), f, NOW)
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
  const seen = new Set<string>()
  // Batches of changing sizes, so the buffer is sized from the last batch and has to grow too.
  for (const size of [1, 3, 250, 40, 1000, 2, 600]) {
    const rows = Array.from({ length: size }, (_, i) => randomRow(lines + i))
    const batch = await batchOf(rows, `token_${size}`)
    for (let row = 0; row < batch.columns.length; row++) FEATURES.forEach((_, column) => seen.add(batch.columns.status(row, column)))
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
  t.same([...seen].sort(), [...FEATURE_STATUSES].sort(), 'the rows gave every status')
  t.same(encoder.batch(await batchOf([], undefined)), [], 'no bytes for an empty batch without a token')
})

t.test('a time outside the four-digit years is written as Date writes it; an invalid one fails as isoTime does', async (t) => {
  const features = [resolved(OTHER, 'ts')]
  const encoder = ndjsonEncoder(features)
  const row = async (value: number, eventTime: number): Promise<PullBatch> =>
    await batchOf([{ entityId: 'x', rows: new Map([[OTHER.name, { eventTime, values: new Map([['ts', { type: 'timestamp', value }]]), invalid: new Set<string>() }]]) }], undefined, features)
  const text = Buffer.concat(encoder.batch(await row(8.64e15, -8.64e15))).toString()
  t.equal(text, JSON.stringify({ entity_id: 'x', features: { 'other "set":ts': '+275760-09-13T00:00:00.000Z' }, statuses: { 'other "set":ts': 'PRESENT' }, event_times: { 'other "set"': '-271821-04-20T00:00:00.000Z' } }) + '\n')
  const invalidTime = await row(Number.NaN, 0)
  t.throws(() => encoder.batch(invalidTime), RangeError)
})
