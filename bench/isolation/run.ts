/**
 * npm run bench:isolation — does a heavy GraphQL training pull hurt online gRPC lookups?
 *
 * In one run, against one gateway process (store in another, load from this one):
 *   1. gRPC alone: inference-style lookups (one user, every demo feature) at concurrency 8;
 *   2. the same gRPC load while two GraphQL workers pull user_text pages of 1,000 rows with the
 *      embedding as JSON numbers (the most CPU-hungry pull there is) back to back.
 * Reports gRPC p50/p99 in each phase and their ratio, gRPC errors, and the rows/s the pull got and
 * how many pull requests the gateway refused (HTTP 503/429; with fair sharing, none: the pull waits its
 * turn instead) — the figures for online p99 while an export runs are in the README, measured here.
 * Each pull page scans GRAPHQL_SCAN_SEGMENTS (4) segments.
 * Knobs: BENCH_SECONDS (5), BENCH_USERS (10000), BENCH_GATEWAY_FLAGS (the gateway's node flags; production's,
 * src/node-flags.ts, by default, "" for none), BENCH_NODE_FLAGS (extra flags for the gateway's node).
 */
import { fork, type ChildProcess } from 'node:child_process'
import { request } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FeatureStoreClient } from '../../examples/grpc-client.js'
import { DEMO_FEATURE_SETS } from '../../src/demo/demo-registry.js'
import { BENCH_CREDENTIALS, type StoreReady } from '../grpc/protocol.js'
import { gatewayNodeFlags } from '../shared/gateway-flags.js'
import { grpcLoad } from '../shared/online-load.js'
import { PULL_QUERIES } from '../shared/pull-queries.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const USERS = Number(process.env.BENCH_USERS ?? 10_000)
const HERE = fileURLToPath(new URL('.', import.meta.url))
const FEATURES = DEMO_FEATURE_SETS.map((set) => set.name)
const PULLS = PULL_QUERIES

const children: ChildProcess[] = []
async function start<T> (script: string, env: NodeJS.ProcessEnv, nodeFlags: string[] = []): Promise<{ child: ChildProcess, ready: T }> {
  const child = fork(script, [], { execArgv: [...nodeFlags, '--import', 'tsx'], env: { ...env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  children.push(child)
  const ready = await new Promise<T>((resolve, reject) => {
    child.once('message', (message) => resolve(message as T))
    child.once('exit', (code) => reject(new Error(`${script} exited with ${String(code)}`)))
  })
  return { child, ready }
}

async function post (port: number, body: string): Promise<{ status: number, text: string }> {
  return await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

async function pullWorker (port: number, query: string, stop: () => boolean, tally: { rows: number, refused: number, failed: number }): Promise<void> {
  let after: string | null = null
  while (!stop()) {
    const response = await post(port, JSON.stringify({ query, variables: { after } }))
    if (response.status === 503 || response.status === 429) {
      tally.refused++
      await new Promise((resolve) => setTimeout(resolve, 20))
      continue
    }
    if (response.status !== 200) {
      if (tally.failed++ === 0) console.error(`pull failed: HTTP ${response.status} ${response.text.slice(0, 300)}`)
      continue
    }
    const page = (JSON.parse(response.text) as { data: { featureRows: { edges: unknown[], pageInfo: { hasNextPage: boolean, endCursor: string | null } } } }).data.featureRows
    tally.rows += page.edges.length
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null
  }
}

try {
  const store = await start<StoreReady>(join(HERE, '../grpc/store-process.ts'), { ...process.env, BENCH_USERS: String(USERS) })
  const gateway = await start<{ grpcPort: number, httpPort: number }>(join(HERE, 'gateway-process.ts'), {
    ...process.env,
    DYNAMODB_ENDPOINT: store.ready.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey,
    FEATURE_TABLE: store.ready.featureTable,
    REGISTRY_TABLE: store.ready.registryTable,
    AUTH_MODE: 'open',
    GRPC_PORT: '0',
    LOG_LEVEL: 'warn',
    GRAPHQL_MAX_COST: '10000000'
  }, gatewayNodeFlags())
  const client = new FeatureStoreClient(`127.0.0.1:${gateway.ready.grpcPort}`, { defaultDeadlineMs: 5_000 })
  await grpcLoad(client, { seconds: 1, concurrency: 8, features: FEATURES, users: 1_000 }) // warm the cache and the connection
  const alone = await grpcLoad(client, { seconds: SECONDS, concurrency: 8, features: FEATURES, users: 1_000 })

  const ms = (n: number): string => n.toFixed(3).padStart(8)
  console.log(`\nIsolation: gRPC lookups (1 user x all ${FEATURES.length} demo sets, concurrency 8, cache warm) with and without a heavy GraphQL pull`)
  console.log('phase                                   p50 ms    p99 ms      req/s  errors   p99 vs alone   pull rows/s  refused  failed')
  console.log(`gRPC alone                            ${ms(alone.p50)}  ${ms(alone.p99)}  ${alone.rps.toFixed(0).padStart(9)}  ${String(alone.errors).padStart(6)}`)
  for (const [name, query] of Object.entries(PULLS)) {
    let stopped = false
    const tally = { rows: 0, refused: 0, failed: 0 }
    const started = performance.now()
    const pulls = [pullWorker(gateway.ready.httpPort, query, () => stopped, tally), pullWorker(gateway.ready.httpPort, query, () => stopped, tally)]
    await new Promise((resolve) => setTimeout(resolve, 500))
    const during = await grpcLoad(client, { seconds: SECONDS, concurrency: 8, features: FEATURES, users: 1_000 })
    stopped = true
    await Promise.all(pulls)
    const seconds = (performance.now() - started) / 1000
    console.log(`gRPC during 2 pull workers (${name.padEnd(6)})  ${ms(during.p50)}  ${ms(during.p99)}  ${during.rps.toFixed(0).padStart(9)}  ${String(during.errors).padStart(6)}  ${(during.p99 / alone.p99).toFixed(1).padStart(12)}x  ${(tally.rows / seconds).toFixed(0).padStart(12)}  ${String(tally.refused).padStart(7)}  ${String(tally.failed).padStart(6)}`)
  }
  client.close()
} finally {
  for (const child of children) child.kill()
}
process.exit(0)
