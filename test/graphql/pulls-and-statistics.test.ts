import t from 'tap'
import { build } from '../helpers/build-app.js'
import { demoRowsFor, type DemoRow } from '../../src/demo/demo-data.js'
import type { FeatureValue } from '../../src/domain/feature-value.js'
import { gql, ObserverRecorder } from './graphql-helpers.js'

const SEED = 42
const USERS = 1500
const DAY = 86_400_000

interface Node { entityId: string, features: Array<{ ref: string, status: string, value: { json: unknown } | null }> }

t.test('bulk pulls and statistics', async (t) => {
  const app = await build(t, { DEMO_USERS: String(USERS), GRAPHQL_SCAN_SEGMENTS: '4' })
  const recorder = ObserverRecorder.install(t, app)
  const now = Date.now()
  // The demo data, recomputed independently of the store.
  const demo = Array.from({ length: USERS }, (_, i) => new Map(demoRowsFor(i, SEED, now).map((row) => [row.featureSet.name, row])))
  const value = (row: DemoRow | undefined, feature: string): FeatureValue | null | undefined => row?.values.get(feature)
  const idsWhere = (test: (rows: Map<string, DemoRow>) => boolean): string[] => demo.flatMap((rows, i) => test(rows) ? [`user_${i}`] : []).sort()

  const PULL = `query Pull($set: String!, $features: [String!]!, $first: Int!, $after: String, $filter: [FeatureFilter!], $segment: ScanSegment, $since: DateTime) {
    featureRows(featureSet: $set, features: $features, first: $first, after: $after, filter: $filter, segment: $segment, eventTimeAfter: $since) {
      edges { cursor node { entityId features { ref status value { json } } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      scan { itemsScanned storeCalls pushedDown evaluatedInGateway }
    } }`

  async function pullAll (variables: Record<string, unknown>): Promise<{ nodes: Node[], pages: number, scans: Array<Record<string, unknown>> }> {
    const nodes: Node[] = []
    const scans: Array<Record<string, unknown>> = []
    let after = (variables.after as string | undefined) ?? null
    let pages = 0
    for (;;) {
      const { status, body } = await gql(app, PULL, { ...variables, after })
      if (status !== 200) throw new Error(JSON.stringify(body.errors))
      const page = body.data.featureRows
      pages++
      scans.push(page.scan)
      t.equal(page.pageInfo.hasPreviousPage, false)
      t.ok(page.edges.length <= (variables.first as number), 'never more than first')
      for (const edge of page.edges) nodes.push(edge.node)
      if (page.edges.length > 0) t.equal(page.pageInfo.startCursor, page.edges[0].cursor)
      if (!page.pageInfo.hasNextPage) break
      after = page.pageInfo.endCursor
      if (pages > 500) throw new Error('no end in sight')
    }
    return { nodes, pages, scans }
  }

  t.test('the whole set, page by page: no entity lost or repeated', async (t) => {
    const expected = idsWhere((rows) => rows.has('user_text'))
    for (const first of [100, 37, 1000]) {
      const { nodes, pages } = await pullAll({ set: 'user_text', features: ['user_text:sentiment_score'], first })
      const ids = nodes.map((n) => n.entityId)
      t.equal(new Set(ids).size, ids.length, `first ${first}: no entity twice`)
      t.same([...ids].sort(), expected, `first ${first}: every entity of the set, ${expected.length}`)
      t.ok(pages >= Math.ceil(expected.length / first), `first ${first}: ${pages} pages`)
    }
  })

  t.test('resuming from any edge cursor yields exactly the entities not yet seen', async (t) => {
    const expected = idsWhere((rows) => rows.has('user_profile'))
    const first = await gql(app, PULL, { set: 'user_profile', features: ['user_profile:region'], first: 50 })
    const edges = first.body.data.featureRows.edges
    // Any edge's cursor, not only the page's end: the rest of the set, each entity once.
    const seen = edges.slice(0, 30).map((e: { node: Node }) => e.node.entityId)
    const rest = (await pullAll({ set: 'user_profile', features: ['user_profile:region'], first: 200, after: edges[29].cursor })).nodes.map((n) => n.entityId)
    const all = [...seen, ...rest]
    t.equal(new Set(all).size, all.length, 'none twice')
    t.same(all.sort(), expected, 'none lost')
  })

  t.test('parallel workers: segments are disjoint and cover the set', async (t) => {
    const expected = idsWhere((rows) => rows.has('user_word_stats'))
    const parts = await Promise.all([0, 1, 2].map(async (index) =>
      (await pullAll({ set: 'user_word_stats', features: ['user_word_stats:token_count'], first: 200, segment: { index, count: 3 } })).nodes.map((n) => n.entityId)))
    const all = parts.flat()
    t.equal(new Set(all).size, all.length, 'no entity in two segments')
    t.same(all.sort(), expected)
    t.ok(parts.every((p) => p.length > 0), 'every segment has rows')
  })

  t.test('values and statuses match a lookup of the same entities', async (t) => {
    const page = await gql(app, PULL, { set: 'user_text', features: ['user_text', 'user_word_stats:token_count'], first: 30 })
    const nodes: Node[] = page.body.data.featureRows.edges.map((e: { node: Node }) => e.node)
    const lookup = await gql(app, 'query L($ids: [String!]!) { getFeatures(entityIds: $ids, featureNames: ["user_text", "user_word_stats:token_count"]) { entities { entityId features { ref status value { json } } } } }',
      { ids: nodes.map((n) => n.entityId) })
    t.same(nodes, lookup.body.data.getFeatures.entities)
  })

  t.test('filters evaluated by DynamoDB: users active in the last 30 days in one region', async (t) => {
    const cutoff = now - 30 * DAY
    const ambiguous = new Set(idsWhere((rows) => {
      const active = value(rows.get('user_profile'), 'last_active')
      return active?.type === 'timestamp' && Math.abs(active.value - cutoff) < 120_000
    }))
    const expected = idsWhere((rows) => {
      const profile = rows.get('user_profile')
      const region = value(profile, 'region')
      const active = value(profile, 'last_active')
      return region?.type === 'string' && region.value === 'eu-west' && active?.type === 'timestamp' && active.value >= cutoff
    }).filter((id) => !ambiguous.has(id))
    const { nodes, scans } = await pullAll({
      set: 'user_profile',
      features: ['user_profile:region', 'user_text:sentiment_score'],
      first: 100,
      filter: [{ feature: 'user_profile:region', eq: 'eu-west' }, { feature: 'user_profile:last_active', withinLastSeconds: 30 * 86_400 }]
    })
    t.same(nodes.map((n) => n.entityId).filter((id) => !ambiguous.has(id)).sort(), expected)
    t.ok(expected.length > 20, `${expected.length} users match`)
    t.ok(nodes.every((n) => (n.features[0]!.value?.json) === 'eu-west'))
    t.same(scans[0]!.evaluatedInGateway, [])
    t.match(scans[0]!.pushedDown, ['user_profile:region = "eu-west"', /^user_profile:last_active >= \d{4}-/])
  })

  t.test('filters on other sets, evaluated in the gateway after a read by key', async (t) => {
    const expected = idsWhere((rows) => {
      if (!rows.has('user_text')) return false
      const region = value(rows.get('user_profile'), 'region')
      const tokens = value(rows.get('user_word_stats'), 'token_count')
      return region?.type === 'string' && ['eu-west', 'us-east'].includes(region.value) && tokens?.type === 'int64' && tokens.value >= 2_500_000n
    })
    const { nodes, scans } = await pullAll({
      set: 'user_text',
      features: ['user_text:sentiment_score', 'user_word_stats:token_count'],
      first: 50,
      filter: [{ feature: 'user_profile:region', in: ['eu-west', 'us-east'] }, { feature: 'user_word_stats:token_count', gte: '2500000' }]
    })
    t.same(nodes.map((n) => n.entityId).sort(), expected)
    t.ok(expected.length > 20, `${expected.length} users match`)
    t.same(scans[0]!.pushedDown, [])
    t.same(scans[0]!.evaluatedInGateway, ['user_profile:region IN ("eu-west", "us-east")', 'user_word_stats:token_count >= 2500000'])
    for (const node of nodes) t.ok(BigInt(node.features[1]!.value!.json as string) >= 2_500_000n)
  })

  t.test('null, missing, comparisons and event-time windows', async (t) => {
    const pullIds = async (variables: Record<string, unknown>): Promise<string[]> => (await pullAll({ first: 500, ...variables })).nodes.map((n) => n.entityId).sort()
    t.same(await pullIds({ set: 'user_text', features: ['user_text:sentiment_score'], filter: [{ feature: 'user_text:sentiment_score', isNull: true }] }),
      idsWhere((rows) => rows.has('user_text') && value(rows.get('user_text'), 'sentiment_score') === null), 'stored as null')
    t.same(await pullIds({ set: 'user_text', features: ['user_text:sentiment_score'], filter: [{ feature: 'user_word_stats:token_count', exists: false }] }),
      idsWhere((rows) => rows.has('user_text') && !rows.has('user_word_stats')), 'no row in another set')
    t.same(await pullIds({ set: 'user_word_stats', features: ['user_word_stats:avg_word_length'], filter: [{ feature: 'user_word_stats:avg_word_length', gt: 3.5, lte: 4 }, { feature: 'user_word_stats:is_multilingual', eq: true }] }),
      idsWhere((rows) => {
        const length = value(rows.get('user_word_stats'), 'avg_word_length')
        const multilingual = value(rows.get('user_word_stats'), 'is_multilingual')
        return length?.type === 'double' && length.value > 3.5 && length.value <= 4 && multilingual?.type === 'bool' && multilingual.value
      }), 'a range and a bool')
    const since = now - 3 * DAY
    const near = new Set(idsWhere((rows) => Math.abs((rows.get('user_text')?.eventTime ?? 0) - since) < 120_000))
    t.same((await pullIds({ set: 'user_text', features: ['user_text:sentiment_score'], since })).filter((id) => !near.has(id)),
      idsWhere((rows) => (rows.get('user_text')?.eventTime ?? 0) >= since).filter((id) => !near.has(id)), 'rows written in the last 3 days')
  })

  t.test('cursors only continue their own pull', async (t) => {
    const page = await gql(app, PULL, { set: 'user_text', features: ['user_text:sentiment_score'], first: 5 })
    const cursor = page.body.data.featureRows.pageInfo.endCursor
    recorder.reset()
    const other = await gql(app, PULL, { set: 'user_profile', features: ['user_profile:region'], first: 5, after: cursor })
    t.equal(other.status, 400)
    t.match(other.body.errors?.[0], { extensions: { code: 'INVALID_CURSOR' }, message: /another feature set, filters/ })
    t.equal(recorder.calls(), 0, 'refused before any store call')
    // A well-formed cursor whose key is not in its segment: refused, not scanned from.
    const body = JSON.parse(Buffer.from(cursor, 'base64url').toString())
    body.p = body.p.map(() => ['user_999999', 'user_text'])
    const forged = await gql(app, PULL, { set: 'user_text', features: ['user_text:sentiment_score'], first: 5, after: Buffer.from(JSON.stringify(body)).toString('base64url') })
    t.equal(forged.status, 400)
    t.equal(forged.body.errors?.[0]?.extensions?.code, 'INVALID_CURSOR')
  })

  t.test('statistics of a whole set, checked against the demo data', async (t) => {
    const { status, body } = await gql(app, `{ featureStatistics(featureSet: "user_text", features: ["user_text", "user_profile:region"]) {
      featureSet rows complete itemsScanned
      features { feature { ref } coverage nullRate missingRate present stale nulls missing invalid
        numeric { count min max mean minExact maxExact } length { min max mean }
        vector { count expectedDimension minDimension maxDimension wrongDimension minNorm maxNorm meanNorm } } } }`)
    t.equal(status, 200)
    const report = body.data.featureStatistics
    const textRows = demo.filter((rows) => rows.has('user_text'))
    t.equal(report.rows, textRows.length)
    t.equal(report.complete, true)
    const byRef = Object.fromEntries(report.features.map((f: { feature: { ref: string } }) => [f.feature.ref, f]))

    const scores = textRows.map((rows) => value(rows.get('user_text'), 'sentiment_score'))
    const present = scores.filter((s): s is Extract<FeatureValue, { type: 'double' }> => s?.type === 'double').map((s) => s.value)
    const sentiment = byRef['user_text:sentiment_score']
    t.equal(sentiment.nulls, scores.filter((s) => s === null).length)
    t.equal(sentiment.nullRate, sentiment.nulls / textRows.length)
    t.equal(sentiment.coverage, present.length / textRows.length)
    t.equal(sentiment.missingRate, 0)
    t.equal(sentiment.present + sentiment.stale, present.length)
    t.equal(sentiment.numeric.min, Math.min(...present))
    t.equal(sentiment.numeric.max, Math.max(...present))
    t.ok(Math.abs(sentiment.numeric.mean - present.reduce((a, b) => a + b, 0) / present.length) < 1e-12)

    const norms = textRows.map((rows) => {
      const v = value(rows.get('user_text'), 'embedding') as Extract<FeatureValue, { type: 'float_vector' }>
      let sum = 0
      for (const x of v.value) sum += x * x
      return Math.sqrt(sum)
    })
    const embedding = byRef['user_text:embedding']
    t.match(embedding.vector, { count: textRows.length, expectedDimension: 256, minDimension: 256, maxDimension: 256, wrongDimension: 0 })
    t.ok(Math.abs(embedding.vector.minNorm - Math.min(...norms)) < 1e-12 && Math.abs(embedding.vector.maxNorm - Math.max(...norms)) < 1e-12)
    t.equal(embedding.coverage, 1)
    t.match(byRef['user_text:top_terms'].length, { min: 5, max: 5, mean: 5 })
    // A feature of another set, over this set's entities: missing where the user has no profile.
    const region = byRef['user_profile:region']
    t.equal(region.missing, textRows.filter((rows) => !rows.has('user_profile')).length)
    t.equal(region.missingRate, region.missing / textRows.length)
  })

  t.test('statistics of int64, bool and a sample', async (t) => {
    const { body } = await gql(app, `{ all: featureStatistics(featureSet: "user_word_stats", features: ["user_word_stats:token_count", "user_word_stats:is_multilingual"]) {
        rows complete features { feature { ref } coverage numeric { count min max mean minExact maxExact } } }
      sample: featureStatistics(featureSet: "user_word_stats", sample: 100) { rows complete features { feature { ref } } } }`)
    const statsRows = demo.filter((rows) => rows.has('user_word_stats'))
    const tokens = statsRows.map((rows) => (value(rows.get('user_word_stats'), 'token_count') as Extract<FeatureValue, { type: 'int64' }>).value)
    const [tokenStats, multilingual] = body.data.all.features
    t.equal(body.data.all.rows, statsRows.length)
    const min = tokens.reduce((a, b) => a < b ? a : b)
    const max = tokens.reduce((a, b) => a > b ? a : b)
    t.match(tokenStats.numeric, { count: statsRows.length, minExact: min.toString(), maxExact: max.toString() })
    t.ok(Math.abs(tokenStats.numeric.mean - Number(tokens.reduce((a, b) => a + b, 0n)) / tokens.length) < 1e-6)
    const share = statsRows.filter((rows) => (value(rows.get('user_word_stats'), 'is_multilingual') as { value: boolean }).value).length / statsRows.length
    t.ok(Math.abs(multilingual.numeric.mean - share) < 1e-12, 'bool mean is the share of true')
    t.equal(body.data.sample.rows, 100)
    t.equal(body.data.sample.complete, false)
    t.equal(body.data.sample.features.length, 4, 'all of the set\'s features by default')
  })

  t.test('work per request is bounded: short pages, partial statistics', async (t) => {
    // A second gateway with a smaller budget per page, over the first one's store and tables: its ~1,380
    // user_text rows are more than the statistics' 10 x 100 items, now that a pull examines its own set's items only.
    // (A gateway on an endpoint takes credentials from the environment; the embedded store accepts any.)
    process.env.AWS_ACCESS_KEY_ID ??= 'embedded'
    process.env.AWS_SECRET_ACCESS_KEY ??= 'embedded'
    const small = await build(t, {
      DYNAMODB_ENDPOINT: app.featureStore.endpoint!,
      AWS_REGION: 'us-east-1',
      FEATURE_TABLE: app.config.store.featureTable,
      REGISTRY_TABLE: app.config.store.registryTable,
      AUTH_MODE: 'open',
      GRAPHQL_MAX_SCAN_ITEMS_PER_PAGE: '100'
    })
    // A filter nobody matches: each page examines at most 100 items (plus one round) and says there is more.
    const page = await gql(small, '{ featureRows(featureSet: "user_text", features: ["user_text:sentiment_score"], first: 10, filter: [{ feature: "user_text:sentiment_score", gt: 5 }]) { nodes { entityId } pageInfo { hasNextPage } scan { itemsScanned } } }')
    t.same(page.body.data.featureRows.nodes, [])
    t.equal(page.body.data.featureRows.pageInfo.hasNextPage, true)
    t.ok(page.body.data.featureRows.scan.itemsScanned <= 300, `examined ${String(page.body.data.featureRows.scan.itemsScanned)} items`)
    const stats = await gql(small, '{ featureStatistics(featureSet: "user_text", features: ["user_text:sentiment_score"]) { rows complete itemsScanned } }')
    t.equal(stats.body.data.featureStatistics.complete, false, 'stopped at 10 x 100 items examined')
    t.ok(stats.body.data.featureStatistics.rows > 0 && stats.body.data.featureStatistics.rows < 1_300)
  })

  t.test('filtered statistics', async (t) => {
    const { body } = await gql(app, '{ featureStatistics(featureSet: "user_profile", features: ["user_text:sentiment_score"], filter: [{ feature: "user_profile:region", eq: "ap-south" }]) { rows features { nullRate missingRate } } }')
    const expected = demo.filter((rows) => (value(rows.get('user_profile'), 'region') as { value?: string } | undefined)?.value === 'ap-south')
    t.equal(body.data.featureStatistics.rows, expected.length)
    t.equal(body.data.featureStatistics.features[0].missingRate, expected.filter((rows) => !rows.has('user_text')).length / expected.length)
  })
})
