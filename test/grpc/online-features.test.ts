import t from 'tap'
import { decodeValue, rowsOf, type TypedValue } from '../../examples/grpc-client.js'
import { demoRowsFor, type DemoRow } from '../../src/demo/demo-data.js'
import { DEMO_FEATURE_SETS } from '../../src/demo/demo-registry.js'
import type { FeatureValue } from '../../src/domain/feature-value.js'
import { writeRows } from '../helpers/test-store.js'
import { build } from '../helpers/build-app.js'
import { clientFor, failureOf } from './harness.js'
import { ALL_TYPES } from '../helpers/all-types.js'

const USERS = 200
const SEED = 42
const app = await build(t, { DEMO_USERS: String(USERS) })
const client = clientFor(t, app)

const ALL_DEMO_REFS = DEMO_FEATURE_SETS.flatMap((set) => set.features.map((f) => `${set.name}:${f.name}`))

/** Bytes of a typed value for exact comparison: embeddings bit for bit, everything else by value. */
function comparable (value: FeatureValue | TypedValue | null): unknown {
  if (value === null) return null
  if (value.type === 'float_vector') return { type: value.type, bytes: Buffer.from(value.value.buffer, value.value.byteOffset, value.value.byteLength).toString('hex') }
  if (value.type === 'bytes') return { type: value.type, bytes: Buffer.from(value.value).toString('hex') }
  if (value.type === 'int64' || value.type === 'int64_list') return { type: value.type, value: String(value.value) }
  return value
}

/**
 * The demo data's load time, recovered from one served event time: demo rows are generated as
 * offsets back from it, so every expected value (timestamps included) can be recomputed exactly.
 */
function loadTimeFrom (index: number, setName: string, servedEventTime: number): number {
  const offset = demoRowsFor(index, SEED, 0).find((row) => row.featureSet.name === setName)!.eventTime
  return servedEventTime - offset
}

function demoIndex (entityId: string): number | undefined {
  const match = /^user_(\d+)$/.exec(entityId)
  return match === null ? undefined : Number(match[1])
}

t.test('GetOnlineFeatures answers every demo type typed, in request order, with duplicates and missing ids', async (t) => {
  // A user whose sentiment is stored as null, one with no user_text row, and a stale one, by construction.
  const nullSentiment = Array.from({ length: USERS }, (_, i) => i).find((i) => demoRowsFor(i, SEED, 0).find((r) => r.featureSet.name === 'user_text')?.values.get('sentiment_score') === null)
  const noText = Array.from({ length: USERS }, (_, i) => i).find((i) => !demoRowsFor(i, SEED, 0).some((r) => r.featureSet.name === 'user_text'))
  t.ok(nullSentiment !== undefined && noText !== undefined, 'the demo data has the cases this test needs')
  const ids = ['user_7', 'ghost_1', `user_${nullSentiment!}`, 'user_7', `user_${noText!}`, 'user_3', 'ghost_1', 'user_150']
  const response = await client.getOnlineFeatures(ids, ['user_text', 'user_profile', 'user_word_stats'])

  t.same(response.entity_ids, ids, 'entities echoed in request order, duplicates kept')
  t.same(response.feature_refs, ALL_DEMO_REFS, 'whole sets expanded in declared order')
  t.equal(response.results.length, ALL_DEMO_REFS.length)
  for (const column of response.results) {
    t.equal(column.values.length, ids.length)
    t.equal(column.statuses.length, ids.length)
    t.equal(column.event_times_ms.length, ids.length)
  }

  const rows = rowsOf(response)
  const firstProfile = rows[0]!.features.get('user_profile:region')!
  const loadedAt = loadTimeFrom(7, 'user_profile', firstProfile.eventTimeMs)
  const seen = new Set<string>()
  const now = Date.now()
  for (const row of rows) {
    const index = demoIndex(row.entityId)
    const expectedRows: DemoRow[] = index === undefined ? [] : demoRowsFor(index, SEED, loadedAt)
    for (const set of DEMO_FEATURE_SETS) {
      const expectedRow = expectedRows.find((r) => r.featureSet.name === set.name)
      for (const feature of set.features) {
        const ref = `${set.name}:${feature.name}`
        const cell = row.features.get(ref)!
        const where = `${row.entityId} ${ref}`
        if (expectedRow === undefined) {
          t.same(cell, { status: 'FEATURE_STATUS_NOT_FOUND', value: null, eventTimeMs: 0 }, `${where}: no row`)
          seen.add('NOT_FOUND')
          continue
        }
        t.equal(cell.eventTimeMs, expectedRow.eventTime, `${where}: event time of its row`)
        const expected = expectedRow.values.get(feature.name) ?? null
        const stale = set.maxAgeSeconds !== undefined && now - expectedRow.eventTime > set.maxAgeSeconds * 1000
        const status = expected === null ? 'NULL_VALUE' : stale ? 'STALE' : 'PRESENT'
        seen.add(status)
        t.equal(cell.status, `FEATURE_STATUS_${status}`, `${where}: status`)
        t.same(comparable(cell.value), comparable(expected), `${where}: value`)
      }
    }
  }
  t.same([...seen].sort(), ['NOT_FOUND', 'NULL_VALUE', 'PRESENT', 'STALE'], 'the answer exercised every status the demo data has')
  t.same(rows[1], rows[6], 'a missing id asked twice is answered twice')
  t.same(rows[0], rows[3], 'a duplicate id gets the same answer as its first occurrence')
})

t.test('a single feature, a whole set and a set with :* resolve to the same columns', async (t) => {
  const whole = await client.getOnlineFeatures(['user_1'], ['user_profile'])
  const star = await client.getOnlineFeatures(['user_1'], ['user_profile:*'])
  const one = await client.getOnlineFeatures(['user_1'], ['user_profile:last_active', 'user_profile:region'])
  t.same(whole.feature_refs, ['user_profile:region', 'user_profile:last_active'])
  t.same(star, whole)
  t.same(one.feature_refs, ['user_profile:last_active', 'user_profile:region'], 'single features in the order asked')
  t.same(one.results[0], whole.results[1])
})

// Values at the edges of each type: int64 past 2^53 and at both ends, float32 extremes and a
// subnormal, unicode, a NUL byte, empty lists.
const EDGE_ROWS: Array<{ entityId: string, values: Map<string, FeatureValue | null> }> = [
  {
    entityId: 'thing_a',
    values: new Map<string, FeatureValue | null>([
      ['d', { type: 'double', value: -1234.5678901234567 }],
      ['i', { type: 'int64', value: 9223372036854775807n }],
      ['s', { type: 'string', value: 'héllo, 世界 🌍' }],
      ['b', { type: 'bool', value: true }],
      ['y', { type: 'bytes', value: new Uint8Array([0, 1, 2, 250, 255, 0]) }],
      ['ts', { type: 'timestamp', value: 1_700_000_000_123 }],
      ['v', { type: 'float_vector', value: new Float32Array([0, -0, 1 / 3, -1.5, 3.4028234663852886e38, -3.4028234663852886e38, 1.401298464324817e-45, 0.1]) }],
      ['dl', { type: 'double_list', value: [0.1, -2.5e-100, 1.2345678901234567e100, 0] }],
      ['il', { type: 'int64_list', value: [-9223372036854775808n, 9007199254740993n, 0n, -1n] }],
      ['sl', { type: 'string_list', value: ['a', '', 'ü'] }],
      ['bl', { type: 'bool_list', value: [true, false, true] }]
    ])
  },
  {
    entityId: 'thing_b',
    values: new Map<string, FeatureValue | null>([
      ['d', { type: 'double', value: 0 }],
      ['i', { type: 'int64', value: -9223372036854775808n }],
      ['s', { type: 'string', value: '' }],
      ['b', { type: 'bool', value: false }],
      ['y', { type: 'bytes', value: new Uint8Array([]) }],
      ['ts', null],
      ['v', { type: 'float_vector', value: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]) }],
      ['dl', { type: 'double_list', value: [] }],
      ['il', { type: 'int64_list', value: [] }],
      ['sl', { type: 'string_list', value: [] }],
      ['bl', { type: 'bool_list', value: [] }]
    ])
  }
]

t.test('every value type round-trips exactly through both calls (embeddings bit for bit)', async (t) => {
  await app.featureStore.registry.put(ALL_TYPES)
  await writeRows(app.featureStore.writer, EDGE_ROWS.map((row) => ({ entityId: row.entityId, featureSet: ALL_TYPES, eventTime: 1_700_000_000_000, values: row.values })))
  await app.featureRegistry.reload()

  const response = await client.getOnlineFeatures(['thing_a', 'thing_b'], ['all_types'])
  const rows = rowsOf(response)
  for (const [i, expected] of EDGE_ROWS.entries()) {
    for (const feature of ALL_TYPES.features) {
      const cell = rows[i]!.features.get(`all_types:${feature.name}`)!
      const want = expected.values.get(feature.name) ?? null
      t.equal(cell.status, want === null ? 'FEATURE_STATUS_NULL_VALUE' : 'FEATURE_STATUS_PRESENT', `${expected.entityId} ${feature.name} status`)
      t.same(comparable(cell.value), comparable(want), `${expected.entityId} ${feature.name} (online)`)
      t.equal(cell.eventTimeMs, 1_700_000_000_000)
    }
  }
  const v = rows[0]!.features.get('all_types:v')!.value
  t.ok(v?.type === 'float_vector' && Object.is(v.value[1], -0), 'negative zero keeps its sign')

  const realtime = await client.getRealtimeFeatures('thing_a', ['all_types'])
  t.equal(realtime.entity_id, 'thing_a')
  t.same(Object.keys(realtime.features).sort(), ALL_TYPES.features.map((f) => `all_types:${f.name}`).sort())
  for (const feature of ALL_TYPES.features) {
    const served = realtime.features[`all_types:${feature.name}`]!
    t.equal(served.status, 'FEATURE_STATUS_PRESENT')
    t.equal(served.event_time_ms, '1700000000000')
    t.same(comparable(decodeValue(served.value)), comparable(EDGE_ROWS[0]!.values.get(feature.name)!), `thing_a ${feature.name} (realtime)`)
  }
})

t.test('GetRealtimeFeatures answers one entity as a map by reference, with statuses', async (t) => {
  const realtime = await client.getRealtimeFeatures('user_3', ['user_profile:region', 'user_text', 'user_profile:region'])
  t.same(Object.keys(realtime.features).sort(), ['user_profile:region', 'user_text:embedding', 'user_text:sentiment_score', 'user_text:top_terms'],
    'a reference named twice appears once')
  const online = rowsOf(await client.getOnlineFeatures(['user_3'], ['user_profile:region', 'user_text']))[0]!
  for (const [ref, cell] of online.features) {
    const served = realtime.features[ref]!
    t.equal(served.status, cell.status, `${ref}: same status as the batch call`)
    t.same(comparable(decodeValue(served.value)), comparable(cell.value), `${ref}: same value as the batch call`)
    t.equal(Number(served.event_time_ms), cell.eventTimeMs)
  }
})

t.test('GetRealtimeFeatures is NOT_FOUND only when the entity has none of the requested features', async (t) => {
  const noText = Array.from({ length: USERS }, (_, i) => i).find((i) => {
    const sets = demoRowsFor(i, SEED, 0).map((r) => r.featureSet.name)
    return !sets.includes('user_text') && sets.includes('user_profile')
  })!
  const missing = await failureOf(t, client.getRealtimeFeatures(`user_${noText}`, ['user_text']))
  t.equal(missing.code, 5, 'NOT_FOUND')
  t.match(missing.details, `user_${noText}`)
  const partly = await client.getRealtimeFeatures(`user_${noText}`, ['user_text', 'user_profile:region'])
  t.equal(partly.features['user_text:embedding']?.status, 'FEATURE_STATUS_NOT_FOUND', 'a partly known entity is answered, with NOT_FOUND cells')
  t.equal(partly.features['user_profile:region']?.status, 'FEATURE_STATUS_PRESENT')
  const ghost = await failureOf(t, client.getRealtimeFeatures('nobody_at_all', ['user_profile']))
  t.equal(ghost.code, 5)
  t.equal(ghost.details, 'Entity "nobody_at_all" has none of the requested features')
})
