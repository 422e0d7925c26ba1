/**
 * npm run bench:graphql — GraphQL exploration API throughput and latency, on the embedded store with
 * the demo data (10,000 users), printed beside floors measured in the same run:
 *
 * - bulk pull (featureRows) of 5 scalar features and of one 256-float embedding, page sizes 100 and
 *   1,000, as entity-rows per second over the whole set, beside the same pull through
 *   FeatureExport directly (the repository's scan, no GraphQL);
 * - lookup latency (getFeatures) for 1 and 100 ids, beside the same lookup through the repository
 *   (FeatureLookup, in process) and the gRPC GetOnlineFeatures call, cache warm;
 * - each of the above with graphql-jit on (GRAPHQL_JIT_AFTER=1) and off.
 *
 * Machines are noisy: compare the ratios, not the absolute numbers.
 */
import http from 'node:http'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { FeatureStoreClient } from '../../examples/grpc-client.js'

const USERS = Number(process.env.DEMO_USERS ?? 10_000)
const LOOKUP_ROUNDS = Number(process.env.BENCH_LOOKUP_ROUNDS ?? 1_000)
const SCALARS = ['user_word_stats:token_count', 'user_word_stats:avg_word_length', 'user_word_stats:is_multilingual', 'user_profile:region', 'user_profile:last_active']
const EMBEDDING = ['user_text:embedding']
const LOOKUP_FEATURES = ['user_text:sentiment_score', 'user_profile:region', 'user_word_stats:token_count']

async function start (jitAfter: number): Promise<FastifyInstance> {
  const app = await buildApp(loadConfig({
    ...process.env,
    HOST: '127.0.0.1',
    HTTP_PORT: '0',
    GRPC_PORT: '0',
    LOG_LEVEL: 'silent',
    DEMO_USERS: String(USERS),
    REGISTRY_RELOAD_MS: '0',
    GRAPHQL_JIT_AFTER: String(jitAfter),
    GRAPHQL_MAX_COST: '10000000',
    RATE_LIMIT_EXPLORE_POINTS_PER_MINUTE: '1000000000',
    RATE_LIMIT_ONLINE_RPS: '10000000'
  }))
  await app.listen({ host: '127.0.0.1', port: 0 })
  return app
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 })

async function post (port: number, query: string, variables: Record<string, unknown>): Promise<{ data?: any, errors?: unknown[] }> {
  const body = JSON.stringify({ query, variables })
  return await new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
        } catch (error) { reject(error) }
      })
    })
    request.on('error', reject)
    request.end(body)
  })
}

const PULL = `query Pull($set: String!, $features: [String!]!, $first: Int!, $after: String) {
  featureRows(featureSet: $set, features: $features, first: $first, after: $after) {
    edges { node { entityId features { status value { json } } } }
    pageInfo { hasNextPage endCursor }
  } }`

/** Embeddings as packed float32 (base64) instead of JSON numbers. */
const PULL_PACKED = `query PullPacked($set: String!, $features: [String!]!, $first: Int!, $after: String) {
  featureRows(featureSet: $set, features: $features, first: $first, after: $after) {
    edges { node { entityId features { status value { ... on FloatVectorValue { packed } } } } }
    pageInfo { hasNextPage endCursor }
  } }`

const LOOKUP = `query Lookup($ids: [String!]!, $features: [String!]!) {
  getFeatures(entityIds: $ids, featureNames: $features) { entities { entityId features { status value { json } } } } }`

async function pullGraphql (app: FastifyInstance, set: string, features: string[], first: number, query = PULL): Promise<{ rows: number, seconds: number, bytes: number }> {
  const port = (app.server.address() as { port: number }).port
  const started = performance.now()
  let after: string | null = null
  let rows = 0
  let bytes = 0
  for (;;) {
    const response = await post(port, query, { set, features, first, after })
    if (response.errors !== undefined) throw new Error(JSON.stringify(response.errors))
    const page = response.data.featureRows
    rows += page.edges.length
    bytes += JSON.stringify(page).length
    if (!page.pageInfo.hasNextPage) break
    after = page.pageInfo.endCursor
  }
  return { rows, seconds: (performance.now() - started) / 1e3, bytes }
}

async function pullDirect (app: FastifyInstance, set: string, features: string[], first: number): Promise<{ rows: number, seconds: number }> {
  const started = performance.now()
  let after: string | undefined
  let rows = 0
  for (;;) {
    const page = await app.featureExport.page(app.featureExport.plan({ featureSet: set, features, first, after }))
    rows += page.rows.length
    if (!page.hasNextPage) break
    after = page.endCursor
  }
  return { rows, seconds: (performance.now() - started) / 1e3 }
}

function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!
}

async function latency (rounds: number, call: () => Promise<unknown>): Promise<{ p50: number, p99: number, mean: number }> {
  for (let i = 0; i < Math.min(200, rounds); i++) await call()
  const times: number[] = []
  for (let i = 0; i < rounds; i++) {
    const started = performance.now()
    await call()
    times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), mean: times.reduce((a, b) => a + b, 0) / times.length }
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)

/** Best of ROUNDS, each round alternating between the apps, so background noise hits all of them alike. */
async function bestOf<T> (rounds: number, runs: Array<() => Promise<T>>, better: (a: T, b: T) => boolean): Promise<T[]> {
  const best: Array<T | undefined> = runs.map(() => undefined)
  for (let round = 0; round < rounds; round++) {
    for (const [i, run] of runs.entries()) {
      const result = await run()
      if (best[i] === undefined || better(result, best[i]!)) best[i] = result
    }
  }
  return best as T[]
}

const off = await start(0)
const on = await start(1)
const portOf = (app: FastifyInstance): number => (app.server.address() as { port: number }).port
console.log(`# bench:graphql — ${USERS} demo users, Node ${process.version}, best of ${ROUNDS} alternating rounds, ${new Date().toISOString()}`)

console.log('\n| bulk pull (whole set) | page | direct (FeatureExport) rows/s | GraphQL rows/s | GraphQL + JIT rows/s | GraphQL / direct | JIT / no JIT | JSON MB/s |')
console.log('|---|---:|---:|---:|---:|---:|---:|---:|')
for (const [name, set, features, query] of [
  ['5 scalar features', 'user_word_stats', SCALARS, PULL],
  ['1 embedding (256 floats) as JSON numbers', 'user_text', EMBEDDING, PULL],
  ['1 embedding (256 floats) packed', 'user_text', EMBEDDING, PULL_PACKED]
] as const) {
  for (const first of [100, 1000]) {
    await pullGraphql(on, set, [...features], first, query) // compiles the query on the JIT app
    const rate = (r: { rows: number, seconds: number }): number => r.rows / r.seconds
    const [direct, graphql, jit] = await bestOf(ROUNDS, [
      async () => ({ ...(await pullDirect(off, set, [...features], first)), bytes: 0 }),
      async () => await pullGraphql(off, set, [...features], first, query),
      async () => await pullGraphql(on, set, [...features], first, query)
    ], (a, b) => rate(a) > rate(b))
    console.log(`| ${name} (${graphql!.rows} rows) | ${first} | ${fmt(rate(direct!))} | ${fmt(rate(graphql!))} | ${fmt(rate(jit!))} | ${fmt(rate(graphql!) / rate(direct!), 2)} | ${fmt(rate(jit!) / rate(graphql!), 2)} | ${fmt(graphql!.bytes / 1e6 / graphql!.seconds, 1)} |`)
  }
}

const grpc = new FeatureStoreClient(`127.0.0.1:${off.grpcPort}`, { defaultDeadlineMs: 5_000 })
await grpc.waitForReady()
console.log(`\n| lookup, 3 features of 3 sets, cache warm (${LOOKUP_ROUNDS} calls) | ids | p50 ms | p99 ms | p50 / repository |`)
console.log('|---|---:|---:|---:|---:|')
for (const count of [1, 100]) {
  const ids = Array.from({ length: count }, (_, i) => `user_${(i * 97) % USERS}`)
  const lookupVia = (app: FastifyInstance) => async () => {
    const response = await post(portOf(app), LOOKUP, { ids, features: LOOKUP_FEATURES })
    if (response.errors !== undefined) throw new Error(JSON.stringify(response.errors))
  }
  const [repository, viaGrpc, viaGraphql, viaJit] = await bestOf(ROUNDS, [
    async () => await latency(LOOKUP_ROUNDS, async () => await off.featureLookup.getFeatures(ids, LOOKUP_FEATURES)),
    async () => await latency(LOOKUP_ROUNDS, async () => await grpc.getOnlineFeatures(ids, LOOKUP_FEATURES)),
    async () => await latency(LOOKUP_ROUNDS, lookupVia(off)),
    async () => await latency(LOOKUP_ROUNDS, lookupVia(on))
  ], (a, b) => a.p50 < b.p50)
  for (const [name, result] of [['repository (FeatureLookup, in process)', repository], ['gRPC GetOnlineFeatures', viaGrpc], ['GraphQL getFeatures', viaGraphql], ['GraphQL getFeatures + JIT', viaJit]] as const) {
    console.log(`| ${name} | ${count} | ${fmt(result!.p50, 3)} | ${fmt(result!.p99, 3)} | ${fmt(result!.p50 / repository!.p50, 1)} |`)
  }
}
grpc.close()
await off.close()
await on.close()
agent.destroy()
