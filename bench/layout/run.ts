/**
 * `npx tsx bench/layout/run.ts`: an unfiltered pull of user_word_stats (demo data, 10k users, 3 sets)
 * on the embedded store, before and after the by-set layout, in one run on one store:
 * - before: the old plan, a parallel Scan of the shared table with `_s = :set` as FilterExpression;
 * - after, store floor: the store's own Query of the by-set index, shard by shard;
 * - after, gateway: FeatureExport pages in-process (what featureRows and pulls run on).
 * Items examined per row and rows/s, each best of 3.
 */
import { QueryCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb'
import { FeatureExport } from '../../src/core/export/feature-export.js'
import { FeatureRegistry } from '../../src/core/feature-registry.js'
import { loadConfig } from '../../src/config.js'
import { loadDemoData } from '../../src/demo/load-demo-data.js'
import { createDynamoClient } from '../../src/repo/dynamo-client.js'
import { openFeatureStore } from '../../src/repo/open-feature-store.js'
import { SET_INDEX, SET_SHARDS } from '../../src/repo/set-shards.js'

const USERS = Number(process.env.DEMO_USERS ?? 10_000)
const SEGMENTS = Number(process.env.BENCH_SEGMENTS ?? 4)
const SET = 'user_word_stats'
const FEATURES = ['token_count', 'avg_word_length', 'is_multilingual'].map((f) => `${SET}:${f}`)

interface Run { rows: number, examined: number, seconds: number }

// The gateway's own pieces, wired as the bulk-reads plugin wires them (no HTTP: the pull path alone).
const config = loadConfig({ ...process.env, DEMO_USERS: String(USERS), GRAPHQL_SCAN_SEGMENTS: String(SEGMENTS) })
const store = await openFeatureStore({ store: config.store, bulkMaxConcurrentCalls: config.graphql.bulkMaxConcurrentCalls })
await loadDemoData(store, USERS, config.store.demoSeed)
const registry = new FeatureRegistry(store.registry)
await registry.reload()
const featureExport = new FeatureExport(registry, store.bulk, {
  maxPageSize: config.graphql.maxPageSize,
  maxFeaturesPerRequest: config.limits.maxFeaturesPerRequest,
  maxScanItemsPerPage: config.graphql.maxScanItemsPerPage,
  maxPageBytes: config.graphql.maxPageBytes,
  scanSegments: config.graphql.scanSegments,
  defaultDeadlineMs: config.graphql.bulkDeadlineMs
})
const client = createDynamoClient({
  endpoint: store.endpoint,
  region: 'us-east-1',
  maxSockets: 16,
  connectTimeoutMs: 2_000,
  maxAttempts: 3,
  retryBaseMs: 10,
  idleTimeoutMs: 60_000,
  staticCredentials: { accessKeyId: 'embedded', secretAccessKey: 'embedded' }
})
const table = config.store.featureTable
const projection = { '#e': '_e', '#s': '_s', '#t': '_t', '#f0': 'token_count', '#f1': 'avg_word_length', '#f2': 'is_multilingual' }

async function drain (send: (start: Record<string, AttributeValue> | undefined) => Promise<{ Count?: number, ScannedCount?: number, LastEvaluatedKey?: Record<string, AttributeValue> }>): Promise<Omit<Run, 'seconds'>> {
  let start: Record<string, AttributeValue> | undefined
  let rows = 0
  let examined = 0
  do {
    const out = await send(start)
    rows += out.Count ?? 0
    examined += out.ScannedCount ?? 0
    start = out.LastEvaluatedKey
  } while (start !== undefined)
  return { rows, examined }
}

async function timed (work: () => Promise<Array<Omit<Run, 'seconds'>>>): Promise<Run> {
  const started = performance.now()
  const parts = await work()
  return { rows: parts.reduce((a, p) => a + p.rows, 0), examined: parts.reduce((a, p) => a + p.examined, 0), seconds: (performance.now() - started) / 1e3 }
}

const before = async (): Promise<Run> => await timed(async () => await Promise.all(Array.from({ length: SEGMENTS }, async (_, segment) => await drain(async (start) => await client.send(new ScanCommand({
  TableName: table,
  Segment: segment,
  TotalSegments: SEGMENTS,
  Limit: 1_000,
  ExclusiveStartKey: start,
  FilterExpression: '#s = :s',
  ProjectionExpression: Object.keys(projection).join(', '),
  ExpressionAttributeNames: projection,
  ExpressionAttributeValues: { ':s': { S: SET } }
}))))))

const floor = async (): Promise<Run> => await timed(async () => (await Promise.all(Array.from({ length: SEGMENTS }, async (_, segment) => {
  const parts: Array<Omit<Run, 'seconds'>> = []
  for (let shard = segment; shard < SET_SHARDS; shard += SEGMENTS) {
    parts.push(await drain(async (start) => await client.send(new QueryCommand({
      TableName: table,
      IndexName: SET_INDEX,
      Limit: 1_000,
      ExclusiveStartKey: start,
      KeyConditionExpression: '#p = :p',
      ProjectionExpression: Object.keys(projection).join(', '),
      ExpressionAttributeNames: { ...projection, '#p': '_p' },
      ExpressionAttributeValues: { ':p': { S: `${SET}#${shard}` } }
    }))))
  }
  return [{ rows: parts.reduce((a, p) => a + p.rows, 0), examined: parts.reduce((a, p) => a + p.examined, 0) }]
}))).flat())

const gateway = async (): Promise<Run> => await timed(async () => {
  let after: string | undefined
  let rows = 0
  let examined = 0
  for (;;) {
    const page = await featureExport.page(featureExport.plan({ featureSet: SET, features: FEATURES, first: 1_000, after }))
    rows += page.rows.length
    examined += page.itemsScanned
    if (!page.hasNextPage) break
    after = page.endCursor
  }
  return [{ rows, examined }]
})

const best = async (run: () => Promise<Run>): Promise<Run> => {
  let top: Run | undefined
  for (let i = 0; i < 3; i++) {
    const r = await run()
    if (top === undefined || r.rows / r.seconds > top.rows / top.seconds) top = r
  }
  return top!
}
const results: Array<[string, Run]> = [
  [`before: Scan of the shared table, _s filter, ${SEGMENTS} segments`, await best(before)],
  [`after: Query of the by-set index, ${SEGMENTS} segments (store floor)`, await best(floor)],
  [`after: gateway pull (FeatureExport pages of 1000, ${SEGMENTS} segments)`, await best(gateway)]
]
const base = results[0]![1]
console.log(`${USERS} users; unfiltered pull of ${SET}`)
for (const [label, r] of results) {
  console.log(`${label.padEnd(66)} rows ${r.rows}  examined ${r.examined}  per row ${(r.examined / r.rows).toFixed(3)}  ${Math.round(r.rows / r.seconds)} rows/s  (${(r.rows / r.seconds / (base.rows / base.seconds)).toFixed(2)}x before)`)
}
client.destroy()
await store.close()
