import t from 'tap'
import type { Vector } from 'apache-arrow'
import type { FeatureValue } from '../../src/domain/feature-value.js'
import { valueJson } from '../../src/domain/feature-value-json.js'
import { build } from '../helpers/build-app.js'
import { writeRows } from '../helpers/test-store.js'
import { gql } from '../graphql/graphql-helpers.js'
import { arrowRows, pullArrow, pullNdjson, readNdjson, type NdjsonRow } from './pull-helpers.js'
import { ALL_TYPES } from '../helpers/all-types.js'
import { shardOf } from '../../src/repo/set-shards.js'

/** Float32s a lossy path would change (extremes, a subnormal, thirds, 0.1); all finite and not -0, so JSON carries them too. */
const JSON_SAFE_FLOATS = new Float32Array([3.4028234663852886e38, -3.4028234663852886e38, 1.401298464324817e-45, 1.1754943508222875e-38, 1 / 3, -1.5, 0.1, 1e-7])
/** What only Arrow can carry: -0 and a NaN with a payload. */
const BITS_ONLY_FLOATS = (() => {
  const v = new Float32Array([-0, 0, 1, 2, 3, 4, 5, 6])
  new Uint32Array(v.buffer)[7] = 0x7fc00123
  return v
})()

const ROWS: Array<{ entityId: string, values: Map<string, FeatureValue | null> }> = [
  {
    entityId: 'thing_a',
    values: new Map<string, FeatureValue | null>([
      ['d', { type: 'double', value: -1234.5678901234567 }],
      ['i', { type: 'int64', value: 9223372036854775807n }],
      ['s', { type: 'string', value: 'héllo, 世界 🌍 "quoted" \\ \n' }],
      ['b', { type: 'bool', value: true }],
      ['y', { type: 'bytes', value: Uint8Array.from({ length: 256 }, (_, i) => i) }],
      ['ts', { type: 'timestamp', value: 1_700_000_000_123 }],
      ['v', { type: 'float_vector', value: JSON_SAFE_FLOATS }],
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
      ['v', { type: 'float_vector', value: BITS_ONLY_FLOATS }],
      ['dl', { type: 'double_list', value: [] }],
      ['il', { type: 'int64_list', value: [] }],
      ['sl', { type: 'string_list', value: [] }],
      ['bl', { type: 'bool_list', value: [] }]
    ])
  },
  { entityId: 'thing_c', values: new Map<string, FeatureValue | null>(ALL_TYPES.features.map((f) => [f.name, null])) }
]
const EVENT_TIME = 1_700_000_000_000

function bits (vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('hex')
}

/** An Arrow cell as the domain value it should equal (lists and vectors come back as Arrow vectors). */
function fromArrow (cell: unknown): unknown {
  if (cell !== null && typeof cell === 'object' && 'toArray' in cell) return (cell as Vector).toArray()
  return cell
}

/**
 * Two gateways for the file, each used by two tests that read but do not change what the other reads:
 * a few demo users (the all-types set is added to it; the refusals never reach a row), and 400 users
 * with three scan segments (for the featureRows comparison and the batch sizes).
 */
const fewUsers = await build(t, { DEMO_USERS: '5' })
const manyUsers = await build(t, { DEMO_USERS: '400', GRAPHQL_SCAN_SEGMENTS: '3' })

t.test('every value type, bit for bit, through Arrow and NDJSON', async (t) => {
  const app = fewUsers
  await app.featureStore.registry.put(ALL_TYPES)
  await writeRows(app.featureStore.writer, ROWS.map((row) => ({ entityId: row.entityId, featureSet: ALL_TYPES, eventTime: EVENT_TIME, values: row.values })))
  await app.featureRegistry.reload()
  const body = { featureSet: 'all_types', features: ['all_types'] }

  t.test('Arrow: typed columns, statuses and event times; embeddings by their bits', async (t) => {
    const { batches } = await pullArrow(app, body)
    const schema = batches[0]!.schema
    t.same(schema.fields.map((f) => `${f.name}: ${String(f.type)}`), [
      'entity_id: Utf8',
      'all_types:d: Float64', 'all_types:i: Int64', 'all_types:s: Utf8', 'all_types:b: Bool', 'all_types:y: Binary',
      'all_types:ts: Timestamp<MILLISECOND, UTC>', 'all_types:v: FixedSizeList[8]<Float32>', 'all_types:dl: List<Float64>',
      'all_types:il: List<Int64>', 'all_types:sl: List<Utf8>', 'all_types:bl: List<Bool>',
      ...ALL_TYPES.features.map((f) => `all_types:${f.name}.status: Dictionary<Int8, Utf8>`),
      'all_types.event_time: Timestamp<MILLISECOND, UTC>'
    ])
    const rows = new Map(arrowRows(batches).map((row) => [row.entity_id as string, row]))
    t.equal(rows.size, ROWS.length)
    for (const { entityId, values } of ROWS) {
      const row = rows.get(entityId)!
      t.equal(row['all_types.event_time'], EVENT_TIME, `${entityId}: event time`)
      for (const [name, value] of values) {
        const ref = `all_types:${name}`
        const cell = fromArrow(row[ref])
        t.equal(row[`${ref}.status`], value === null ? 'NULL_VALUE' : 'PRESENT', `${entityId} ${ref}: status`)
        if (value === null) {
          t.equal(cell, null, `${entityId} ${ref}: null`)
        } else if (value.type === 'float_vector') {
          t.equal(bits(cell as Float32Array), bits(value.value), `${entityId} ${ref}: the same float32 bits`)
        } else if (value.type === 'bytes') {
          t.same(Buffer.from(cell as Uint8Array), Buffer.from(value.value), `${entityId} ${ref}`)
        } else if (value.type === 'int64_list') {
          t.same(Array.from(cell as BigInt64Array), value.value, `${entityId} ${ref}`)
        } else if (value.type.endsWith('_list')) {
          t.same(Array.from(cell as ArrayLike<unknown>), value.value, `${entityId} ${ref}`)
        } else {
          t.ok(Object.is(cell, value.value), `${entityId} ${ref}: ${String(cell)} is ${String(value.value)}`)
        }
      }
    }
  })

  t.test('NDJSON: the JSON form GraphQL json uses, finite float32s exact, and the same values as featureRows', async (t) => {
    const pull = await pullNdjson(app, body)
    t.equal(pull.status, 200)
    t.equal(pull.error, undefined)
    t.same(pull.end, { end: true, rows: ROWS.length })
    const rows = new Map(pull.rows.map((row) => [row.entity_id, row]))
    for (const { entityId, values } of ROWS) {
      const row = rows.get(entityId)!
      t.same(row.event_times, { all_types: new Date(EVENT_TIME).toISOString() })
      for (const [name, value] of values) {
        const ref = `all_types:${name}`
        t.equal(row.statuses[ref], value === null ? 'NULL_VALUE' : 'PRESENT')
        if (value?.type === 'float_vector' && value.value === BITS_ONLY_FLOATS) {
          // JSON has no -0 and no NaN: documented as 0 and null; Arrow carries them (above).
          t.same(row.features[ref], [0, 0, 1, 2, 3, 4, 5, null], 'JSON cannot carry -0 or NaN')
        } else if (value?.type === 'float_vector') {
          t.equal(bits(Float32Array.from(row.features[ref] as number[])), bits(value.value), `${entityId} ${ref}: the same float32 bits`)
        } else {
          t.same(row.features[ref], value === null ? null : valueJson(value), `${entityId} ${ref}`)
        }
      }
    }
    const graphql = await gql(app, `{ featureRows(featureSet: "all_types", features: ["all_types"], first: 10) {
      nodes { entityId features { ref status value { json } } } } }`)
    const nodes = graphql.body.data.featureRows.nodes as Array<{ entityId: string, features: Array<{ ref: string, status: string, value: { json: unknown } | null }> }>
    t.equal(nodes.length, ROWS.length)
    for (const node of nodes) {
      const row = rows.get(node.entityId)!
      t.same(row.features, Object.fromEntries(node.features.map((f) => [f.ref, f.value?.json ?? null])), `${node.entityId}: values as GraphQL json`)
      t.same(row.statuses, Object.fromEntries(node.features.map((f) => [f.ref, f.status])), `${node.entityId}: statuses as GraphQL`)
    }
  })

  t.test('NDJSON: a feature asked for twice (by itself and with its set) is one key, where it first appears', async (t) => {
    const first = ROWS[0]!
    const [name] = [...first.values.keys()]
    const twice = await pullNdjson(app, { ...body, features: [`all_types:${name!}`, 'all_types'] })
    t.equal(twice.status, 200)
    const row = twice.rows.find((r) => r.entity_id === first.entityId)!
    const once = (await pullNdjson(app, body)).rows.find((r) => r.entity_id === first.entityId)!
    t.same(Object.keys(row.features), [`all_types:${name!}`, ...Object.keys(once.features).filter((ref) => ref !== `all_types:${name!}`)])
    t.same(row.features, once.features)
    t.same(row.statuses, once.statuses)
  })
})

t.test('the same rows as featureRows for the same arguments, in its order (within each segment for the server\'s fan-out)', async (t) => {
  const app = manyUsers
  const since = Date.now() - 30 * 86_400_000
  const cases: Array<{ name: string, args: Record<string, unknown> }> = [
    { name: 'a whole set', args: { featureSet: 'user_profile', features: ['user_profile'] } },
    {
      name: 'filters on its own and another set, a time window, features of two sets',
      args: {
        featureSet: 'user_text',
        features: ['user_text:sentiment_score', 'user_profile:region'],
        filter: [{ feature: 'user_text:sentiment_score', gt: -0.5 }, { feature: 'user_profile:region', in: ['us-east', 'eu-west'] }],
        eventTimeAfter: since
      }
    },
    { name: 'one segment of three', args: { featureSet: 'user_word_stats', features: ['user_word_stats'], segment: { index: 1, count: 3 } } }
  ]
  const QUERY = `query Pull($featureSet: String!, $features: [String!]!, $first: Int!, $after: String, $filter: [FeatureFilter!], $segment: ScanSegment, $eventTimeAfter: DateTime) {
    featureRows(featureSet: $featureSet, features: $features, first: $first, after: $after, filter: $filter, segment: $segment, eventTimeAfter: $eventTimeAfter) {
      nodes { entityId features { ref status value { json } } }
      pageInfo { hasNextPage endCursor } } }`
  for (const { name, args } of cases) {
    const expected: NdjsonRow['features'][] = []
    const ids: string[] = []
    let after: string | null = null
    for (let page = 0; page < 100; page++) {
      const { status, body } = await gql(app, QUERY, { ...args, first: 60, after })
      t.equal(status, 200, JSON.stringify(body.errors))
      for (const node of body.data.featureRows.nodes) {
        ids.push(node.entityId)
        expected.push(Object.fromEntries(node.features.map((f: { ref: string, value: { json: unknown } | null }) => [f.ref, f.value?.json ?? null])))
      }
      if (!body.data.featureRows.pageInfo.hasNextPage) break
      after = body.data.featureRows.pageInfo.endCursor
    }
    const pull = await pullNdjson(app, { ...args, batchSize: 60 })
    t.equal(pull.status, 200)
    t.ok(ids.length > 0, `${name}: ${ids.length} rows`)
    // One segment: featureRows' order exactly. The server's fan-out hands its segments' pages out in
    // turn, so there each segment's rows come in featureRows' order, the segments interleaved by batch.
    const fannedOut = args.segment === undefined
    const segments = app.featureExport.limits.scanSegments
    const inOrder = (rows: readonly string[]): string[][] => fannedOut
      ? Array.from({ length: segments }, (_, segment) => rows.filter((id) => shardOf(id) % segments === segment))
      : [[...rows]]
    t.same(inOrder(pull.rows.map((r) => r.entity_id)), inOrder(ids), `${name}: the same entities in the same order${fannedOut ? ' within each segment' : ''}`)
    const byId = new Map(ids.map((id, i) => [id, expected[i]]))
    t.same(pull.rows.map((r) => r.features), pull.rows.map((r) => byId.get(r.entity_id)), `${name}: the same values`)
    t.equal(pull.rows.length, ids.length, `${name}: as many rows`)
    t.same(pull.end, { end: true, rows: ids.length })
    const { batches } = await pullArrow(app, { ...args, batchSize: 60 })
    t.same(inOrder(arrowRows(batches).map((r) => r.entity_id as string)), inOrder(ids), `${name}: Arrow, the same entities in the same order${fannedOut ? ' within each segment' : ''}`)
    // Pages of 7 end inside their shards: a single segment then reads later shards ahead, filters and other sets' columns included.
    const small = await pullNdjson(app, { ...args, batchSize: 7 })
    t.same(inOrder(small.rows.map((r) => r.entity_id)), inOrder(ids), `${name}, pages of 7: the same entities in the same order${fannedOut ? ' within each segment' : ''}`)
    t.same(small.rows.map((r) => r.features), small.rows.map((r) => byId.get(r.entity_id)), `${name}, pages of 7: the same values`)
  }
})

t.test('batches of bounded size, each carrying its resume token; the last says the pull is complete', async (t) => {
  const app = manyUsers
  const body = { featureSet: 'user_profile', features: ['user_profile:region'], batchSize: 40 }
  const { batches } = await pullArrow(app, body)
  const total = batches.reduce((n, b) => n + b.numRows, 0)
  t.ok(batches.length >= Math.ceil(total / 40), `${batches.length} record batches for ${total} rows`)
  t.ok(batches.every((b) => b.numRows <= 40), 'no batch over batchSize')
  const last = batches.at(-1)!
  t.equal(last.metadata.get('featuregate.end'), 'true')
  t.equal(last.metadata.get('featuregate.rows'), String(total))
  t.ok(batches.slice(0, -1).every((b) => typeof b.metadata.get('featuregate.resume_after') === 'string' && b.metadata.get('featuregate.end') === undefined),
    'every earlier batch resumes and none claims the end')

  const pull = await pullNdjson(app, body)
  t.equal(pull.rows.length, total)
  const text = (await app.inject({ method: 'POST', url: '/v1/pull', headers: { accept: 'application/x-ndjson' }, payload: body })).body
  const lines = readNdjson(text).lines as Array<Record<string, unknown>>
  let sinceToken = 0
  let longestRun = 0
  for (const line of lines) {
    sinceToken = 'entity_id' in line ? sinceToken + 1 : 0
    longestRun = Math.max(longestRun, sinceToken)
  }
  t.ok(longestRun > 0 && longestRun <= 40, `a resume token at least every batchSize rows (longest run ${longestRun})`)
  t.same(lines.at(-1), { end: true, rows: total }, 'the end line is last')
})

t.test('refusals before the first byte are JSON errors with their code', async (t) => {
  const app = fewUsers
  const cases: Array<[string, unknown, number, string]> = [
    ['unknown set', { featureSet: 'nope', features: ['nope'] }, 400, 'FG_ERR_UNKNOWN_FEATURE_SET'],
    ['no features', { featureSet: 'user_profile', features: [] }, 400, 'FG_ERR_MISSING_ARGUMENT'],
    ['a misspelt field', { featureSet: 'user_profile', features: ['user_profile'], filters: [] }, 400, 'FG_ERR_INVALID_ARGUMENT'],
    ['a filter of the wrong type', { featureSet: 'user_profile', features: ['user_profile'], filter: [{ feature: 'user_profile:region', gt: 3 }] }, 400, 'FG_ERR_INVALID_FILTER'],
    ['a filter value no scalar takes', { featureSet: 'user_profile', features: ['user_profile'], filter: [{ feature: 'user_profile:region', eq: { a: 1 } }] }, 400, 'FG_ERR_INVALID_ARGUMENT'],
    ['a bad segment', { featureSet: 'user_profile', features: ['user_profile'], segment: { index: 3, count: 3 } }, 400, 'FG_ERR_INVALID_FILTER'],
    ['a forged resume token', { featureSet: 'user_profile', features: ['user_profile'], after: 'bm9wZQ' }, 400, 'FG_ERR_INVALID_CURSOR'],
    ['a batch over the page limit', { featureSet: 'user_profile', features: ['user_profile'], batchSize: 1_000_000 }, 400, 'FG_ERR_LIMIT_EXCEEDED'],
    ['a bad time', { featureSet: 'user_profile', features: ['user_profile'], eventTimeAfter: 'yesterday' }, 400, 'FG_ERR_INVALID_ARGUMENT'],
    ['not an object', [1, 2], 400, 'FG_ERR_INVALID_ARGUMENT']
  ]
  for (const [name, body, status, fgCode] of cases) {
    const response = await app.inject({ method: 'POST', url: '/v1/pull', headers: { accept: 'application/vnd.apache.arrow.stream' }, payload: body as Record<string, unknown> })
    t.equal(response.statusCode, status, name)
    t.match(response.headers['content-type'], /^application\/json/, `${name}: a JSON body`)
    t.equal(response.json().errors?.[0]?.extensions?.fgCode, fgCode, `${name}: ${response.body}`)
  }
  const csv = await app.inject({ method: 'POST', url: '/v1/pull', headers: { accept: 'text/csv' }, payload: { featureSet: 'user_profile', features: ['user_profile'] } })
  t.equal(csv.statusCode, 406)
  t.equal(csv.json().errors[0].extensions.code, 'NOT_ACCEPTABLE')

  const negotiated = async (accept: string | undefined): Promise<string> => String((await app.inject({
    method: 'POST', url: '/v1/pull', headers: accept === undefined ? {} : { accept }, payload: { featureSet: 'user_profile', features: ['user_profile'] }
  })).headers['content-type'])
  t.match(await negotiated(undefined), /^application\/x-ndjson/, 'no Accept: NDJSON')
  t.match(await negotiated('*/*'), /^application\/x-ndjson/, 'curl\'s */*: NDJSON')
  t.match(await negotiated('application/x-ndjson;q=0.5, application/vnd.apache.arrow.stream'), /^application\/vnd\.apache\.arrow\.stream/, 'the higher q wins')
})
