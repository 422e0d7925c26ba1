import t from 'tap'
import { build } from '../helpers/build-app.js'
import { demoRowsFor } from '../../src/demo/demo-data.js'
import { writeRows } from '../helpers/test-store.js'
import { StoreThrottledError } from '../../src/errors.js'
import type { FeatureSetSpec } from '../../src/domain/feature-set-spec.js'
import type { FeatureValue } from '../../src/domain/feature-value.js'
import { gql, ObserverRecorder } from './graphql-helpers.js'

const SEED = 42
const USERS = 300

t.test('GraphQL queries', async (t) => {
  const app = await build(t, { DEMO_USERS: String(USERS), GRAPHQL_OPERATION_LABELS: 'KnownLookup', GRAPHQL_MAX_LEARNED_OPERATION_LABELS: '3' })
  const recorder = ObserverRecorder.install(t, app)

  t.test('registry: sets, features, search by name and tag', async (t) => {
    const { status, body } = await gql(app, `{
      featureSets { name entityType owner tags maxAgeSeconds features { ref name featureSet type dimension description tags maxAgeSeconds } }
      nlp: featureSets(tag: "nlp") { name }
      byFeature: featureSets(search: "REGION") { name }
      userText: featureSet(name: "user_text") { name description }
      none: featureSet(name: "nope") { name }
      embeddings: features(tag: "embedding") { ref dimension type }
      counts: features(search: "count") { ref }
    }`)
    t.equal(status, 200)
    t.same(body.data.featureSets.map((s: { name: string }) => s.name), ['user_profile', 'user_text', 'user_word_stats'])
    const text = body.data.featureSets.find((s: { name: string }) => s.name === 'user_text')
    t.match(text, { entityType: 'user', owner: 'nlp-team', tags: ['nlp', 'text'], maxAgeSeconds: 604800 })
    t.match(text.features[0], { ref: 'user_text:embedding', type: 'float_vector', dimension: 256, featureSet: 'user_text', tags: ['embedding'], maxAgeSeconds: 604800 })
    t.same(body.data.nlp.map((s: { name: string }) => s.name), ['user_text', 'user_word_stats'])
    t.same(body.data.byFeature.map((s: { name: string }) => s.name), ['user_profile'])
    t.equal(body.data.userText.name, 'user_text')
    t.equal(body.data.none, null)
    t.same(body.data.embeddings, [{ ref: 'user_text:embedding', dimension: 256, type: 'float_vector' }])
    t.same(body.data.counts, [{ ref: 'user_word_stats:token_count' }])
    t.equal(recorder.calls(), 0, 'the registry is answered from memory')
  })

  t.test('getFeatures: typed values, statuses, event times, missing entities, duplicates', async (t) => {
    const now = Date.now()
    const ids = ['user_3', 'nobody', 'user_3', 'user_7']
    const LOOKUP = `query Lookup($ids: [String!]!) {
      getFeatures(entityIds: $ids, featureNames: ["user_text", "user_profile:region", "user_word_stats"]) {
        features { ref type }
        entities { entityId features { ref status eventTime value {
          type json
          ... on DoubleValue { double } ... on Int64Value { int64 } ... on StringValue { string } ... on BoolValue { bool }
          ... on FloatVectorValue { floats dimension norm } ... on StringListValue { strings } ... on Int64ListValue { int64s }
        } } }
      } }`
    const { status, body } = await gql(app, LOOKUP, { ids })
    t.equal(status, 200)
    const lookup = body.data.getFeatures
    t.same(lookup.features.map((f: { ref: string }) => f.ref), [
      'user_text:embedding', 'user_text:sentiment_score', 'user_text:top_terms', 'user_profile:region',
      'user_word_stats:token_count', 'user_word_stats:avg_word_length', 'user_word_stats:is_multilingual', 'user_word_stats:length_histogram'
    ])
    t.same(lookup.entities.map((e: { entityId: string }) => e.entityId), ids, 'request order, duplicates kept')
    t.same(lookup.entities[2], lookup.entities[0])
    t.ok(lookup.entities[1].features.every((f: { status: string, value: unknown, eventTime: unknown }) => f.status === 'NOT_FOUND' && f.value === null && f.eventTime === null), 'a missing entity is NOT_FOUND entries, not an error')
    t.notOk(body.errors)
    // Checked against the demo data recomputed independently.
    for (const [position, index] of [[0, 3], [3, 7]] as const) {
      const expected = new Map(demoRowsFor(index, SEED, now).map((row) => [row.featureSet.name, row]))
      const cells = lookup.entities[position].features
      for (const cell of cells) {
        const [setName, featureName] = cell.ref.split(':')
        const row = expected.get(setName)
        if (row === undefined) {
          t.equal(cell.status, 'NOT_FOUND', `${cell.ref} of user_${index} has no row`)
          continue
        }
        const value = row.values.get(featureName) as FeatureValue | null
        if (value === null) {
          t.equal(cell.status, 'NULL_VALUE')
          continue
        }
        t.ok(cell.status === 'PRESENT' || cell.status === 'STALE', `${cell.ref} has a value`)
        t.ok(Math.abs(Date.parse(cell.eventTime) - row.eventTime) < 60_000, 'event time of its row')
        t.equal(cell.value.type, value!.type)
        switch (value!.type) {
          case 'double': t.equal(cell.value.double, value.value); t.equal(cell.value.json, value.value); break
          case 'int64': t.equal(cell.value.int64, value.value.toString()); t.equal(cell.value.json, value.value.toString()); break
          case 'string': t.equal(cell.value.string, value.value); break
          case 'bool': t.equal(cell.value.bool, value.value); break
          case 'string_list': t.same(cell.value.strings, value.value); break
          case 'int64_list': t.same(cell.value.int64s, value.value.map(String)); break
          case 'float_vector':
            t.equal(cell.value.dimension, 256)
            t.same(cell.value.floats, Array.from(value.value))
            t.same(cell.value.json, Array.from(value.value))
            t.ok(Math.abs(cell.value.norm - 1) < 1e-5, 'unit length')
            break
          default: t.fail(`unexpected type ${value!.type}`)
        }
      }
    }
    t.ok(body.extensions?.cost.requestedQueryCost > 0, 'cost reported in extensions')
    const compiled = await gql(app, LOOKUP, { ids })
    t.same(compiled.body.data, body.data, 'the same answer from the JIT-compiled query')
  })

  t.test('every value type, including those the demo data lacks', async (t) => {
    const spec: FeatureSetSpec = {
      name: 'all_types',
      entityType: 'thing',
      features: [
        { name: 'd', type: 'double' }, { name: 'i', type: 'int64' }, { name: 's', type: 'string' }, { name: 'b', type: 'bool' },
        { name: 'y', type: 'bytes' }, { name: 't', type: 'timestamp' }, { name: 'v', type: 'float_vector', dimension: 3 },
        { name: 'dl', type: 'double_list' }, { name: 'il', type: 'int64_list' }, { name: 'sl', type: 'string_list' }, { name: 'bl', type: 'bool_list' }
      ]
    }
    const eventTime = Date.parse('2026-11-20T10:00:00Z')
    const values = new Map<string, FeatureValue | null>([
      ['d', { type: 'double', value: 0.5 }], ['i', { type: 'int64', value: 9007199254740993n }], ['s', { type: 'string', value: 'héllo' }],
      ['b', { type: 'bool', value: false }], ['y', { type: 'bytes', value: new Uint8Array([1, 2, 255]) }], ['t', { type: 'timestamp', value: eventTime }],
      ['v', { type: 'float_vector', value: new Float32Array([3, 4, 0]) }], ['dl', { type: 'double_list', value: [1.5, -2] }],
      ['il', { type: 'int64_list', value: [-9223372036854775808n, 1n] }], ['sl', { type: 'string_list', value: ['a', 'b'] }], ['bl', { type: 'bool_list', value: [true, false] }]
    ])
    await app.featureStore.registry.put(spec)
    await app.featureRegistry.reload()
    await writeRows(app.featureStore.writer, [{ entityId: 'thing_1', featureSet: spec, eventTime, values }])
    const { body } = await gql(app, `{ getFeatures(entityIds: ["thing_1"], featureNames: ["all_types"]) { entities { features { ref status value {
      __typename type json
      ... on DoubleValue { double } ... on Int64Value { int64 } ... on StringValue { string } ... on BoolValue { bool }
      ... on BytesValue { base64 } ... on TimestampValue { timestamp } ... on FloatVectorValue { floats packed dimension norm }
      ... on DoubleListValue { doubles } ... on Int64ListValue { int64s } ... on StringListValue { strings } ... on BoolListValue { bools }
    } } } } }`)
    const cells = Object.fromEntries(body.data.getFeatures.entities[0].features.map((c: { ref: string, value: unknown }) => [c.ref.split(':')[1], c.value]))
    t.same(cells.d, { __typename: 'DoubleValue', type: 'double', json: 0.5, double: 0.5 })
    t.same(cells.i, { __typename: 'Int64Value', type: 'int64', json: '9007199254740993', int64: '9007199254740993' }, 'int64 exact, as a string')
    t.same(cells.s, { __typename: 'StringValue', type: 'string', json: 'héllo', string: 'héllo' })
    t.same(cells.b, { __typename: 'BoolValue', type: 'bool', json: false, bool: false })
    t.same(cells.y, { __typename: 'BytesValue', type: 'bytes', json: 'AQL/', base64: 'AQL/' })
    t.same(cells.t, { __typename: 'TimestampValue', type: 'timestamp', json: '2026-11-20T10:00:00.000Z', timestamp: '2026-11-20T10:00:00.000Z' })
    t.same(cells.v, { __typename: 'FloatVectorValue', type: 'float_vector', json: [3, 4, 0], floats: [3, 4, 0], packed: Buffer.from(new Float32Array([3, 4, 0]).buffer).toString('base64'), dimension: 3, norm: 5 })
    t.same(Array.from(new Float32Array(new Uint8Array(Buffer.from(cells.v.packed, 'base64')).buffer)), [3, 4, 0], 'packed decodes to the floats')
    t.same(cells.dl, { __typename: 'DoubleListValue', type: 'double_list', json: [1.5, -2], doubles: [1.5, -2] })
    t.same(cells.il, { __typename: 'Int64ListValue', type: 'int64_list', json: ['-9223372036854775808', '1'], int64s: ['-9223372036854775808', '1'] })
    t.same(cells.sl, { __typename: 'StringListValue', type: 'string_list', json: ['a', 'b'], strings: ['a', 'b'] })
    t.same(cells.bl, { __typename: 'BoolListValue', type: 'bool_list', json: [true, false], bools: [true, false] })
  })

  t.test('bad input is a clear error with a code, before any store call', async (t) => {
    recorder.reset()
    const cases: Array<[string, string | RegExp, string | RegExp]> = [
      ['{ getFeatures(entityIds: ["user_1"], featureNames: ["nope"]) { entities { entityId } } }', 'BAD_USER_INPUT', 'FG_ERR_UNKNOWN_FEATURE_SET'],
      ['{ getFeatures(entityIds: ["user_1"], featureNames: ["user_text:nope"]) { entities { entityId } } }', 'BAD_USER_INPUT', 'FG_ERR_UNKNOWN_FEATURE'],
      ['{ getFeatures(entityIds: ["bad\\u0001id"], featureNames: ["user_text"]) { entities { entityId } } }', 'BAD_USER_INPUT', 'FG_ERR_INVALID_ENTITY_ID'],
      ['{ getFeatures(entityIds: [], featureNames: ["user_text"]) { entities { entityId } } }', 'BAD_USER_INPUT', 'FG_ERR_MISSING_ARGUMENT'],
      ['{ featureRows(featureSet: "user_text", features: ["user_text"], first: 0) { nodes { entityId } } }', 'LIMIT_EXCEEDED', 'FG_ERR_LIMIT_EXCEEDED'],
      ['{ featureRows(featureSet: "user_text", features: ["user_text"], first: 1, after: "garbage") { nodes { entityId } } }', 'INVALID_CURSOR', 'FG_ERR_INVALID_CURSOR'],
      ['{ featureRows(featureSet: "user_text", features: ["user_text"], first: 1, filter: [{ feature: "user_text:embedding", gt: 1 }]) { nodes { entityId } } }', 'BAD_USER_INPUT', 'FG_ERR_INVALID_FILTER'],
      ['{ featureRows(featureSet: "user_text", features: ["user_text"], first: 1, filter: [{ feature: "user_profile:region", gt: 5 }]) { nodes { entityId } } }', 'BAD_USER_INPUT', 'FG_ERR_INVALID_FILTER'],
      ['{ featureRows(featureSet: "user_text", features: ["user_text"], first: 1, filter: [{ feature: "user_word_stats:is_multilingual", lt: true }]) { nodes { entityId } } }', 'BAD_USER_INPUT', 'FG_ERR_INVALID_FILTER'],
      ['{ featureRows(featureSet: "user_text", features: ["user_text"], first: 1, filter: [{ feature: "user_profile:region" }]) { nodes { entityId } } }', 'BAD_USER_INPUT', 'FG_ERR_INVALID_FILTER'],
      ['{ featureRows(featureSet: "user_text", features: ["user_text"], first: 1, segment: { index: 4, count: 4 }) { nodes { entityId } } }', 'BAD_USER_INPUT', 'FG_ERR_INVALID_FILTER']
    ]
    for (const [query, code, fgCode] of cases) {
      const { status, body } = await gql(app, query)
      t.equal(status, 400, query)
      t.equal(body.data, null)
      t.match(body.errors?.[0], { extensions: { code, fgCode } }, query)
      t.match(body.errors?.[0]?.path, [/^(getFeatures|featureRows)$/], 'the error has a path')
    }
    t.equal(recorder.calls(), 0, 'no store call for any of them')
  })

  t.test('20 aliases over overlapping ids make the fewest store calls', async (t) => {
    app.featureRows.invalidate()
    recorder.reset()
    // 20 lookups of 10 ids each, from a pool of 40 ids, over two sets: 80 distinct rows fit in one BatchGetItem.
    const aliases = Array.from({ length: 20 }, (_, a) => {
      const ids = Array.from({ length: 10 }, (_, k) => `"user_${(a * 3 + k) % 40}"`)
      return `a${a}: getFeatures(entityIds: [${ids.join(',')}], featureNames: ["user_text:sentiment_score", "user_profile:region"]) { entities { entityId features { status } } }`
    })
    const { status, body } = await gql(app, `{ ${aliases.join('\n')} }`)
    t.equal(status, 200)
    t.equal(Object.keys(body.data).length, 20)
    t.equal(recorder.calls('BatchGetItem'), 1, 'one BatchGetItem for all 20 aliases')
    // 60 ids over 3 sets: 180 rows, two calls of at most 100 keys.
    app.featureRows.invalidate()
    recorder.reset()
    const wide = Array.from({ length: 20 }, (_, a) => {
      const ids = Array.from({ length: 10 }, (_, k) => `"user_${100 + (a * 3 + k) % 60}"`)
      return `a${a}: getFeatures(entityIds: [${ids.join(',')}], featureNames: ["user_text:sentiment_score", "user_profile", "user_word_stats:token_count"]) { entities { entityId } }`
    })
    t.equal((await gql(app, `{ ${wide.join('\n')} }`)).status, 200)
    t.equal(recorder.calls('BatchGetItem'), 2, '180 distinct rows: ceil(180 / 100) calls')
    recorder.reset()
    t.equal((await gql(app, `{ ${wide.join('\n')} }`)).status, 200)
    t.equal(recorder.calls('BatchGetItem'), 0, 'the same query again is served from the cache')
  })

  t.test('partial failure: a throttled read fails only its own entities', async (t) => {
    app.featureRows.invalidate()
    const rows = app.featureRows
    const readRows = rows.readRows.bind(rows)
    // DynamoDB throttling is the one fault a real store will not produce on demand: simulated here.
    rows.readRows = async (requests, options) => {
      if (requests.some((r) => r.entityId === 'user_13')) throw new StoreThrottledError()
      return await readRows(requests, options)
    }
    t.teardown(() => { rows.readRows = readRows })
    const query = `{
      ok: getFeatures(entityIds: ["user_1", "user_2"], featureNames: ["user_profile:region"]) { entities { entityId } }
      throttled: getFeatures(entityIds: ["user_13"], featureNames: ["user_profile:region"]) { entities { entityId } }
    }`
    const { status, body } = await gql(app, query)
    t.equal(status, 200, 'partial answers are 200')
    // Run again: compiled by graphql-jit from the second run on (GRAPHQL_JIT_AFTER=1), same answer.
    for (let run = 2; run <= 3; run++) {
      const again = await gql(app, query)
      t.same({ status: again.status, data: again.body.data, errors: again.body.errors }, { status, data: body.data, errors: body.errors }, `run ${run}`)
    }
    t.same(body.data.ok.entities.map((e: { entityId: string }) => e.entityId), ['user_1', 'user_2'])
    t.same(body.data.throttled.entities, [null])
    t.equal(body.errors?.length, 1)
    t.match(body.errors?.[0], { path: ['throttled', 'entities', 0], extensions: { code: 'RESOURCE_EXHAUSTED', fgCode: 'FG_ERR_STORE_THROTTLED' } })
  })

  t.test('internal errors never leak their message', async (t) => {
    const lookup = app.featureLookup
    const read = lookup.read.bind(lookup)
    lookup.read = async () => { throw new Error('secret connection string postgres://u:p@db') }
    t.teardown(() => { lookup.read = read })
    const { body } = await gql(app, '{ getFeatures(entityIds: ["user_1"], featureNames: ["user_profile:region"]) { entities { entityId } } }')
    t.same(body.errors?.map((e) => e.message), ['Internal server error'])
    t.equal(body.errors?.[0]?.extensions?.code, 'INTERNAL_SERVER_ERROR')
    t.notMatch(JSON.stringify(body), /secret|postgres/)
  })

  t.test('operation metrics: bounded labels, outcomes, cost, statuses', async (t) => {
    recorder.reset()
    const lookup = 'getFeatures(entityIds: ["user_1", "nobody"], featureNames: ["user_profile:region"]) { entities { entityId } }'
    await gql(app, `query KnownLookup { ${lookup} }`)
    await gql(app, `query FirstSeen { ${lookup} }`)
    await gql(app, `query SecondSeen { ${lookup} }`)
    await gql(app, `{ ${lookup} }`)
    await gql(app, 'query Broken { nope }')
    // Learned so far: Lookup (an earlier subtest); room for two more.
    t.same(recorder.operations, [
      { operation: 'KnownLookup', outcome: 'ok' },
      { operation: 'FirstSeen', outcome: 'ok' },
      { operation: 'SecondSeen', outcome: 'ok' },
      { operation: 'anonymous', outcome: 'ok' },
      { operation: 'other', outcome: 'rejected' }
    ])
    t.equal(recorder.costs.length, 4)
    t.same(recorder.rejections, ['validation'])
    t.same(recorder.statuses[0], { PRESENT: 1, NULL_VALUE: 0, NOT_FOUND: 1, STALE: 0, INVALID: 0, UNAVAILABLE: 0 })
  })

  t.test('GraphiQL is served in the embedded mode, and can be turned off', async (t) => {
    t.equal((await app.inject('/graphiql')).statusCode, 200)
    const off = await build(t, { DEMO_USERS: '0', GRAPHIQL: 'false' })
    t.equal((await off.inject('/graphiql')).statusCode, 404)
  })
})
