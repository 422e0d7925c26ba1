import t from 'tap'
import { getIntrospectionQuery } from 'graphql'
import { build } from '../helpers/build-app.js'
import { gql, ObserverRecorder } from './graphql-helpers.js'

/** Hostile queries: each refused with its code and the numbers, and not one store call made. */
t.test('GraphQL limits', async (t) => {
  const app = await build(t, { DEMO_USERS: '50', GRAPHQL_MAX_COST: '15000' })
  const recorder = ObserverRecorder.install(t, app)
  // Anything reaching the repository counts too, even a cache hit.
  let rowReads = 0
  const rows = app.featureRows
  const readRows = rows.readRows.bind(rows)
  rows.readRows = async (...args) => { rowReads++; return await readRows(...args) }
  t.teardown(() => { rows.readRows = readRows })
  const exportPage = app.featureExport.page.bind(app.featureExport)
  let pages = 0
  app.featureExport.page = async (...args) => { pages++; return await exportPage(...args) }

  async function refused (t: Tap.Test, name: string, query: string, code: string, variables?: Record<string, unknown>, numbers: Record<string, unknown> = {}): Promise<void> {
    recorder.reset()
    rowReads = 0
    pages = 0
    const { status, body } = await gql(app, query, variables)
    t.equal(status, 400, `${name}: HTTP 400`)
    t.equal(body.data ?? null, null, `${name}: no data`)
    t.equal(body.errors?.[0]?.extensions?.code, code, `${name}: code ${code}`)
    t.match(body.errors?.[0]?.extensions, numbers, `${name}: names the numbers`)
    t.equal(recorder.calls(), 0, `${name}: no store call`)
    t.equal(rowReads + pages, 0, `${name}: the repository was not asked`)
    t.same(recorder.operations.map((o) => o.outcome), ['rejected'], `${name}: counted as rejected`)
    t.equal(recorder.rejections.length, 1, `${name}: one rejection reason recorded`)
  }

  t.test('depth bomb', async (t) => {
    const deep = '{ getFeatures(entityIds: ["user_1"], featureNames: ["user_text"]) { entities { features { value { ... on FloatVectorValue { floats } } } } } }'
    t.equal((await gql(app, deep)).status, 200, 'a normal query of depth 5 runs')
    // ofType chains are not what graphql's own introspection rule counts; the depth limit is.
    let inner = 'name'
    for (let i = 0; i < 10; i++) inner = `ofType { ${inner} }`
    await refused(t, 'depth bomb', `{ __type(name: "Query") { fields { type { ${inner} } } } }`, 'QUERY_TOO_DEEP', undefined, { limit: 10, depth: 14 })
    t.equal(recorder.rejections[0], 'depth')
  })

  t.test('deeply nested introspection', async (t) => {
    let inner = 'name'
    for (let i = 0; i < 8; i++) inner = `fields { type { ${inner} } }`
    await refused(t, 'nested __schema', `{ __schema { types { ${inner} } } }`, 'QUERY_TOO_DEEP')
    t.equal(recorder.rejections[0], 'introspection_depth')
    // ofType chains are linear and not what graphql's rule counts: the introspection depth limit (20) is.
    let chain = 'name'
    for (let i = 0; i < 20; i++) chain = `ofType { ${chain} }`
    await refused(t, 'long ofType chain under __schema', `{ __schema { types { ${chain} } } }`, 'QUERY_TOO_DEEP', undefined, { limit: 20, depth: 23 })
    t.equal(recorder.rejections[0], 'introspection_depth')
    await refused(t, 'nested __type', '{ __type(name: "Query") { fields { type { fields { type { fields { type { fields { name } } } } } } } } }', 'QUERY_TOO_DEEP')
    // Introspection that passes the depth rules is still priced: many aliases of the whole type list.
    const wide = Array.from({ length: 25 }, (_, i) => `t${i}: __schema { types { fields { type { fields { args { type { name } } } } } } }`).join(' ')
    await refused(t, 'wide __schema', `{ ${wide} }`, 'COST_ESTIMATED_TOO_EXPENSIVE', undefined, { limit: 15000 })
  })

  t.test('GraphiQL\'s own introspection query works and is priced', async (t) => {
    recorder.reset()
    const query = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true })
    const { status, body } = await gql(app, query)
    t.equal(status, 200)
    t.ok(body.data.__schema.types.some((type: { name: string }) => type.name === 'FeatureValue'))
    t.ok(body.extensions?.cost.requestedQueryCost > 0 && body.extensions?.cost.requestedQueryCost < 15000, `priced ${String(body.extensions?.cost.requestedQueryCost)}`)
    t.equal(recorder.calls(), 0)
  })

  t.test('alias bomb', async (t) => {
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: getFeatures(entityIds: ["user_${i}"], featureNames: ["user_text"]) { entities { entityId } }`).join('\n')
    await refused(t, 'alias bomb', `{ ${aliases} }`, 'TOO_MANY_ALIASES', undefined, { aliases: 40, limit: 30 })
  })

  t.test('fragment cycles', async (t) => {
    await refused(t, 'fragment cycle', '{ ...A } fragment A on Query { featureSets { name } ...B } fragment B on Query { ...A }', 'GRAPHQL_VALIDATION_FAILED')
    await refused(t, 'self-spreading fragment', '{ featureSets { ...F } } fragment F on FeatureSet { name features { ref } ...F }', 'GRAPHQL_VALIDATION_FAILED')
  })

  t.test('fragment fan-out', async (t) => {
    // Each level doubles the fields: 2^14 selections from a short text.
    const levels = Array.from({ length: 14 }, (_, i) => `fragment F${i} on FeatureSet { ...F${i + 1} ...F${i + 1} }`).join('\n')
    await refused(t, 'fragment fan-out', `{ featureSets { ...F0 } } ${levels} fragment F14 on FeatureSet { name }`, 'QUERY_TOO_COMPLEX')
  })

  t.test('huge id list', async (t) => {
    const ids = Array.from({ length: 5000 }, (_, i) => `user_${i}`)
    const query = 'query Lookup($ids: [String!]!) { getFeatures(entityIds: $ids, featureNames: ["user_text:sentiment_score"]) { entities { entityId } } }'
    await refused(t, 'huge id list in variables', query, 'LIMIT_EXCEEDED', { ids }, { requested: 5000, limit: 1000 })
    const literal = `{ getFeatures(entityIds: ${JSON.stringify([...ids, ...ids].slice(0, 6000))}, featureNames: ["user_text"]) { entities { entityId } } }`
    await refused(t, 'huge id list in the query text', literal, 'TOO_MANY_TOKENS', undefined, { limit: 5000 })
    // Within the id limit, but 1000 ids x every feature of every set is too expensive.
    const wide = 'query Lookup($ids: [String!]!) { getFeatures(entityIds: $ids, featureNames: ["user_text", "user_profile", "user_word_stats"]) { entities { entityId features { status value { json } } } } }'
    await refused(t, 'ids x features over the cost limit', wide, 'COST_ESTIMATED_TOO_EXPENSIVE', { ids: ids.slice(0, 1000) }, { limit: 15000 })
    t.ok(((await gql(app, wide, { ids: ids.slice(0, 10) })).body.extensions?.cost.requestedQueryCost ?? Infinity) < 1000, '10 ids cost far less')
  })

  t.test('oversized page', async (t) => {
    const query = 'query Pull($n: Int!) { featureRows(featureSet: "user_text", features: ["user_text:sentiment_score"], first: $n) { nodes { entityId } } }'
    await refused(t, 'oversized page', query, 'LIMIT_EXCEEDED', { n: 100_000 }, { requested: 100_000, limit: 1000 })
    await refused(t, 'oversized statistics sample', '{ featureStatistics(featureSet: "user_text", sample: 100000000) { rows } }', 'LIMIT_EXCEEDED', undefined, { limit: 100_000 })
    await refused(t, 'too many histogram buckets', '{ featureStatistics(featureSet: "user_text", sample: 10) { features { histogram(buckets: 5000) { counts } } } }', 'LIMIT_EXCEEDED', undefined, { requested: 5000, limit: 200 })
    await refused(t, 'no histogram buckets', 'query H($b: Int) { featureStatistics(featureSet: "user_text", sample: 10) { features { histogram(buckets: $b) { counts } } } }', 'LIMIT_EXCEEDED', { b: 0 }, { requested: 0 })
  })

  t.test('malformed variables', async (t) => {
    const query = 'query Pull($n: Int!) { featureRows(featureSet: "user_text", features: ["user_text"], first: $n) { nodes { entityId } } }'
    await refused(t, 'wrong type', query, 'BAD_USER_INPUT', { n: 'lots' })
    await refused(t, 'missing', query, 'BAD_USER_INPUT', {})
    await refused(t, 'bad DateTime scalar', 'query Pull($t: DateTime) { featureRows(featureSet: "user_text", features: ["user_text"], first: 1, eventTimeAfter: $t) { nodes { entityId } } }', 'BAD_USER_INPUT', { t: 'yesterday' })
    recorder.reset()
    const response = await app.inject({ method: 'POST', url: '/graphql', payload: { query, variables: 7 } })
    t.equal(response.statusCode, 400, 'variables that are not an object')
    t.equal(recorder.calls(), 0)
  })

  t.test('cost is computed with the variables', async (t) => {
    const query = 'query Pull($n: Int!) { featureRows(featureSet: "user_text", features: ["user_text"], first: $n) { edges { cursor node { features { value { json } } } } } }'
    const small = await gql(app, query, { n: 10 })
    t.equal(small.status, 200)
    await refused(t, 'same query, a large page', query, 'COST_ESTIMATED_TOO_EXPENSIVE', { n: 1000 }, { limit: 15000 })
    const big = (await gql(app, query, { n: 1000 })).body.errors?.[0]?.extensions
    t.ok(big?.cost > 15000, 'the refusal names the computed cost')
    t.ok(small.body.extensions?.cost.requestedQueryCost < big?.cost / 50, 'cost grows with the page size')
  })

  t.test('cached and JIT-compiled queries are still priced', async (t) => {
    const jitApp = await build(t, { DEMO_USERS: '10', GRAPHQL_JIT_AFTER: '1', GRAPHQL_MAX_COST: '15000' })
    const query = 'query Pull($n: Int!) { featureRows(featureSet: "user_text", features: ["user_text"], first: $n) { edges { node { features { value { json } } } } } }'
    for (let i = 0; i < 3; i++) t.equal((await gql(jitApp, query, { n: 5 })).status, 200, `run ${i + 1}`)
    const refusedAfterJit = await gql(jitApp, query, { n: 1000 })
    t.equal(refusedAfterJit.status, 400)
    t.equal(refusedAfterJit.body.errors?.[0]?.extensions?.code, 'COST_ESTIMATED_TOO_EXPENSIVE')
  })

  t.test('batched queries', async (t) => {
    recorder.reset()
    const off = await app.inject({ method: 'POST', url: '/graphql', payload: [{ query: '{ featureSets { name } }' }] })
    t.equal(off.statusCode, 400)
    t.equal(off.json().errors[0].extensions.code, 'BATCHING_DISABLED')
    t.equal(recorder.calls(), 0)
    const batchApp = await build(t, { DEMO_USERS: '10', GRAPHQL_MAX_BATCH: '2' })
    const ok = await batchApp.inject({ method: 'POST', url: '/graphql', payload: [{ query: '{ featureSets { name } }' }, { query: '{ features { ref } }' }] })
    t.equal(ok.statusCode, 200)
    t.equal(ok.json().length, 2)
    const tooMany = await batchApp.inject({ method: 'POST', url: '/graphql', payload: Array.from({ length: 3 }, () => ({ query: '{ featureSets { name } }' })) })
    t.equal(tooMany.statusCode, 400)
    t.match(tooMany.json().errors[0].extensions, { code: 'BATCH_TOO_LARGE', operations: 3, limit: 2 })
  })

  t.test('parse errors and unknown fields', async (t) => {
    await refused(t, 'parse error', '{ featureSets { ', 'GRAPHQL_PARSE_FAILED')
    await refused(t, 'unknown field', '{ nope }', 'GRAPHQL_VALIDATION_FAILED')
  })
})

declare global {
  namespace Tap { type Test = import('tap').Test }
}
