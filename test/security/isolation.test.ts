import t from 'tap'
import * as grpc from '@grpc/grpc-js'
import { FeatureStoreClient } from '../../examples/grpc-client.js'
import { build } from '../helpers/build-app.js'

const PULL = `query Pull($after: String) {
  featureRows(featureSet: "user_text", features: ["user_text:embedding", "user_text:sentiment_score"], first: 1000, after: $after) {
    edges { node { entityId features { status value { json } } } }
    pageInfo { hasNextPage endCursor }
  } }`

t.test('a lagging event loop refuses nobody: exploration waits its turn, online lookups answer', async (t) => {
  const app = await build(t, { DEMO_USERS: '20' })
  const client = new FeatureStoreClient(`127.0.0.1:${app.grpcPort}`, { defaultDeadlineMs: 10_000 })
  t.teardown(() => client.close())
  const statuses: number[] = []
  // Block the loop for longer than the old shedding threshold, across more than one measuring window, between requests.
  for (let i = 0; i < 12; i++) {
    const until = performance.now() + 60
    while (performance.now() < until) { /* a CPU-bound request, simulated */ }
    await new Promise((resolve) => setImmediate(resolve))
    if (i % 3 === 2) statuses.push((await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ featureSets { name } }' } })).statusCode)
  }
  t.same(statuses, [200, 200, 200, 200], 'every GraphQL request answered while the loop lagged')
  const online = await client.getOnlineFeatures(['user_1'], ['user_profile:region'])
  t.ok(online, 'the online path answers')
})

t.test('a heavy GraphQL pull running beside gRPC lookups: every lookup answers within its deadline and every page answers', async (t) => {
  // Default explore-queue settings, as in production.
  const app = await build(t, { DEMO_USERS: '3000', GRAPHQL_MAX_COST: '10000000' })
  const client = new FeatureStoreClient(`127.0.0.1:${app.grpcPort}`, { defaultDeadlineMs: 10_000 })
  t.teardown(() => client.close())
  let stop = false
  let pulledRows = 0
  const refused: number[] = []
  const pull = async (): Promise<void> => {
    let after: string | null = null
    // eslint-disable-next-line no-unmodified-loop-condition -- `stop` is set by the test body once the lookups are done; each turn awaits
    while (!stop) {
      const response: { statusCode: number, json: () => unknown } = await app.inject({ method: 'POST', url: '/graphql', payload: { query: PULL, variables: { after } } })
      if (response.statusCode !== 200) { refused.push(response.statusCode); await new Promise((resolve) => setTimeout(resolve, 20)); continue }
      const page: { edges: unknown[], pageInfo: { hasNextPage: boolean, endCursor: string | null } } = (response.json() as { data: { featureRows: { edges: unknown[], pageInfo: { hasNextPage: boolean, endCursor: string | null } } } }).data.featureRows
      pulledRows += page.edges.length
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null
    }
  }
  const pulls = [pull(), pull()]
  const latencies: number[] = []
  const failures: string[] = []
  await Promise.all(Array.from({ length: 4 }, async (_, worker) => {
    for (let i = 0; i < 100; i++) {
      const started = performance.now()
      try {
        await client.getOnlineFeatures([`user_${(worker * 100 + i) % 3000}`], ['user_text', 'user_profile'])
        latencies.push(performance.now() - started)
      } catch (error) {
        failures.push(grpc.status[(error as grpc.ServiceError).code] ?? String(error))
      }
    }
  }))
  stop = true
  await Promise.all(pulls)
  latencies.sort((a, b) => a - b)
  const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? Infinity
  t.same(failures, [], 'no online lookup failed while the pull ran')
  t.same(refused, [], 'no pull page was refused: the pull slowed down instead')
  t.ok(pulledRows > 0, `the pull ran (${pulledRows} rows)`)
  // Latency is measured side by side in npm run bench:isolation and bench:pull, never asserted here:
  // this machine's timings move too much for a bound to mean anything but flakes.
  t.comment(`gRPC p99 ${p99.toFixed(1)} ms over ${latencies.length} lookups while the pull ran`)
})
