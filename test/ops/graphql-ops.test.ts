import t from 'tap'
import { buildApp } from '../../src/app.js'
import { testConfig } from '../helpers/build-app.js'
import { parseExposition, type Exposition } from './helpers/prometheus-text.js'

// One app for the file: real GraphQL traffic over HTTP, then its metrics and its log lines.
const logs: string[] = []
const app = await buildApp(testConfig({
  DEMO_USERS: '50',
  LOG_LEVEL: 'info',
  GRAPHQL_MAX_DEPTH: '4'
}), { logStream: { write: (line) => { logs.push(line) } } })
t.teardown(async () => await app.close())
await app.ready()

async function gql (query: string, headers: Record<string, string> = {}): Promise<{ status: number, requestId: unknown, body: { data?: unknown, errors?: Array<{ extensions?: { code?: string } }> } }> {
  const response = await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query } })
  return { status: response.statusCode, requestId: response.headers['x-request-id'], body: response.json() }
}
const scrape = async (): Promise<Exposition> => parseExposition((await app.inject('/metrics')).body)

const LOOKUP = `query UserFeatures {
  getFeatures(entityIds: ["user_1", "user_2", "ghost_1"], featureNames: ["user_profile", "user_text:sentiment_score"]) {
    entities { entityId features { ref status } }
  }
}`

t.test('GraphQL traffic shows up in /metrics: per operation and outcome, cost, rejections, statuses', async (t) => {
  const before = await scrape()
  const delta = (after: Exposition, name: string, labels: Record<string, string> = {}): number => after.sum(name, labels) - before.sum(name, labels)

  const ok = await gql(LOOKUP)
  t.equal(ok.status, 200)
  t.equal(ok.body.errors, undefined)
  const deep = await gql('query TooDeep { featureSets { features { featureSet { features { featureSet { name } } } } } }')
  t.ok(deep.body.errors !== undefined && deep.body.errors.length > 0, 'the deep query is refused')
  const after = await scrape()

  t.equal(delta(after, 'featuregate_graphql_operation_duration_seconds_count', { operation: 'UserFeatures', outcome: 'ok' }), 1)
  t.equal(delta(after, 'featuregate_graphql_operation_duration_seconds_count', { outcome: 'rejected' }), 1)
  t.equal(delta(after, 'featuregate_graphql_query_cost_count'), 1, 'cost recorded for the accepted query only')
  t.ok(delta(after, 'featuregate_graphql_query_cost_sum') > 0)
  t.equal(delta(after, 'featuregate_graphql_rejections_total'), 1)
  t.equal(delta(after, 'featuregate_graphql_rejections_total', { reason: 'depth' }), 1, `rejected for depth: ${JSON.stringify(deep.body.errors?.[0]?.extensions)}`)

  // Statuses the lookup must have produced, counted independently through the lookup service.
  const reference = await app.featureLookup.getFeatures(['user_1', 'user_2', 'ghost_1'], ['user_profile', 'user_text:sentiment_score'])
  const expected: Record<string, number> = {}
  for (const entity of reference.entities) for (const result of entity.results) expected[result.status] = (expected[result.status] ?? 0) + 1
  for (const [status, count] of Object.entries(expected)) {
    t.equal(delta(after, 'featuregate_feature_statuses_total', { protocol: 'graphql', status }), count, `${status} counted`)
  }
  t.equal(delta(after, 'featuregate_feature_statuses_total', { protocol: 'graphql' }), 3 * 3, '3 entities x 3 features')
  t.equal(delta(after, 'featuregate_http_request_duration_seconds_count', { route: '/graphql', method: 'POST' }), 2, 'the HTTP layer counts both requests')
})

t.test('GraphQL over HTTP keeps the caller\'s request id, and logs no query text or values', async (t) => {
  const answered = await gql(LOOKUP, { 'x-request-id': 'gql-trace-1', authorization: 'Bearer s3cret-gql' })
  t.equal(answered.status, 200)
  t.equal(answered.requestId, 'gql-trace-1')
  const lines = logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.reqId === 'gql-trace-1')
  t.ok(lines.some((line) => line.msg === 'request completed'), 'the request is logged under the caller\'s id')
  const all = logs.join('')
  t.notMatch(all, /s3cret/)
  t.notMatch(all, /user_text:sentiment_score/, 'no query text in the log')
})
