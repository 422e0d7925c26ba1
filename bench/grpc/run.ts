/**
 * npm run bench:grpc — the online path on loopback, side by side with its two floors, in one run:
 *   1. gateway, cache hits       (every requested row cached)
 *   2. gateway, cache misses     (CACHE_ENABLED=false: every request reads the store)
 *   3. bare grpc-js server       (same service, one prepared response sent as bytes: the protocol floor)
 *   4. direct SDK BatchGetItem   (the same keys, from this process: the store floor)
 * at concurrency 1, 16 and 64, reporting p50, p99 and requests/s, ratios against the floors, and
 * (through the gateway's own observer) store calls per request at concurrency 64.
 *
 * Processes: this one generates load; the store (dynalite with the demo data), the gateway and the
 * bare server each run in their own, one server at a time, so they do not share a core with each
 * other. Knobs: BENCH_SECONDS (3), BENCH_WARMUP_SECONDS (1), BENCH_USERS (10000),
 * BENCH_LOG_LEVEL (info, the production default).
 */
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BatchGetItemCommand } from '@aws-sdk/client-dynamodb'
import * as grpc from '@grpc/grpc-js'
import { FeatureStoreClient } from '../../examples/grpc-client.js'
import { demoRowsFor, demoUserId } from '../../src/demo/demo-data.js'
import { DEMO_FEATURE_SETS } from '../../src/demo/demo-registry.js'
import { loadProtoContract } from '../../src/plugins/grpc/proto-contract.js'
import { createDynamoClient } from '../../src/repo/dynamo-client.js'
import { BENCH_CREDENTIALS, type GatewayCounts, type ServerReady, type StoreReady } from './protocol.js'
import { gatewayNodeFlags } from '../shared/gateway-flags.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 1)
const USERS = Number(process.env.BENCH_USERS ?? 10_000)
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info'
const CONCURRENCIES = [1, 16, 64] as const
/** The inference request: one user, every demo feature (a 256-d embedding among them). */
const FEATURES = DEMO_FEATURE_SETS.map((set) => set.name)
const HERE = fileURLToPath(new URL('.', import.meta.url))

interface Result {
  readonly name: string
  readonly concurrency: number
  readonly p50: number
  readonly p99: number
  readonly rps: number
  readonly requests: number
  readonly errors: number
  storeCallsPerRequest?: number
  /** Mean time inside the gateway's handler, and inside each store call, as the gateway timed them (ms). */
  handlerMs?: number
  storeCallMs?: number
}

// ---- processes -------------------------------------------------------------------------------

const children = new Set<ChildProcess>()

async function startChild<T> (script: string, args: string[], env: NodeJS.ProcessEnv, nodeFlags: readonly string[] = []): Promise<{ child: ChildProcess, ready: T }> {
  // NODE_NO_WARNINGS: the AWS SDK warns about Node 20 once per process; nothing to act on here.
  const child = fork(join(HERE, script), args, { execArgv: [...nodeFlags, '--import', 'tsx'], env: { ...env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  children.add(child)
  child.once('exit', () => children.delete(child))
  const ready = await new Promise<T>((resolve, reject) => {
    child.once('message', (message) => resolve(message as T))
    child.once('exit', (code) => reject(new Error(`${script} exited with ${String(code)} before it was ready`)))
  })
  return { child, ready }
}

async function stopChild (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.disconnect()
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}

async function countsOf (gateway: ChildProcess): Promise<GatewayCounts> {
  return await new Promise((resolve) => {
    gateway.once('message', (message) => resolve(message as GatewayCounts))
    gateway.send({ type: 'counts' })
  })
}

// ---- load ------------------------------------------------------------------------------------

/** Users that have a row in every demo set, so every answer has the same shape as the prepared one. */
function fullUsers (limit: number): string[] {
  const ids: string[] = []
  for (let i = 0; i < USERS && ids.length < limit; i++) {
    if (demoRowsFor(i, 42, 0).length === DEMO_FEATURE_SETS.length) ids.push(demoUserId(i))
  }
  return ids
}

function randomPicker (pool: readonly string[], seed: number): () => string {
  let state = seed >>> 0
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0
    return pool[state % pool.length]!
  }
}

async function drive (concurrency: number, seconds: number, pool: readonly string[], call: (entityId: string) => Promise<unknown>): Promise<{ latencies: Float64Array, count: number, errors: number, elapsed: number }> {
  const latencies: number[] = []
  let errors = 0
  const started = performance.now()
  const until = started + seconds * 1000
  await Promise.all(Array.from({ length: concurrency }, async (_, worker) => {
    const pick = randomPicker(pool, worker * 7919 + concurrency)
    while (performance.now() < until) {
      const t0 = performance.now()
      try {
        await call(pick())
        latencies.push(performance.now() - t0)
      } catch {
        errors++
      }
    }
  }))
  const elapsed = (performance.now() - started) / 1000
  return { latencies: Float64Array.from(latencies).sort(), count: latencies.length, errors, elapsed }
}

function percentile (sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!
}

async function measure (name: string, concurrency: number, pool: readonly string[], call: (entityId: string) => Promise<unknown>, between?: () => Promise<void>): Promise<Result> {
  await drive(concurrency, WARMUP_SECONDS, pool, call)
  await between?.()
  const run = await drive(concurrency, SECONDS, pool, call)
  const result: Result = {
    name,
    concurrency,
    p50: percentile(run.latencies, 0.5),
    p99: percentile(run.latencies, 0.99),
    rps: run.count / run.elapsed,
    requests: run.count,
    errors: run.errors
  }
  process.stderr.write(`  ${name.padEnd(24)} c=${String(concurrency).padEnd(3)} p50 ${result.p50.toFixed(3)} ms  p99 ${result.p99.toFixed(3)} ms  ${result.rps.toFixed(0)} req/s${run.errors > 0 ? `  ${run.errors} errors` : ''}\n`)
  return result
}

async function gatewayRuns (name: string, store: StoreReady, cache: boolean, pool: readonly string[]): Promise<{ results: Result[], prepared: Buffer }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DYNAMODB_ENDPOINT: store.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey,
    FEATURE_TABLE: store.featureTable,
    REGISTRY_TABLE: store.registryTable,
    HOST: '127.0.0.1',
    HTTP_PORT: '0',
    GRPC_PORT: '0',
    AUTH_MODE: 'open',
    // One anonymous caller sends everything here: lift its budget out of the way.
    RATE_LIMIT_ONLINE_RPS: '10000000',
    LOG_LEVEL,
    CACHE_ENABLED: String(cache)
  }
  // The gateway with production's node flags (bench/shared/gateway-flags.ts), as the image runs it.
  const { child, ready } = await startChild<ServerReady>('gateway-process.ts', [], env, gatewayNodeFlags())
  const client = new FeatureStoreClient(`127.0.0.1:${ready.port}`, { defaultDeadlineMs: 10_000 })
  try {
    await client.waitForReady()
    if (cache) {
      // Every row of the pool in the cache before measuring hits.
      const queue = [...pool]
      await Promise.all(Array.from({ length: 16 }, async () => {
        for (let id = queue.pop(); id !== undefined; id = queue.pop()) await client.getOnlineFeatures([id], FEATURES)
      }))
    }
    const results: Result[] = []
    for (const concurrency of CONCURRENCIES) {
      let before: GatewayCounts | undefined
      const result = await measure(name, concurrency, pool, async (id) => await client.getOnlineFeatures([id], FEATURES),
        async () => { before = await countsOf(child) })
      const after = await countsOf(child)
      const calls = Math.max(1, after.grpcCalls - before!.grpcCalls)
      result.storeCallsPerRequest = (after.storeCalls - before!.storeCalls) / calls
      result.handlerMs = (after.grpcSeconds - before!.grpcSeconds) * 1000 / calls
      const storeCalls = after.storeCalls - before!.storeCalls
      if (storeCalls > 0) result.storeCallMs = (after.storeSeconds - before!.storeSeconds) * 1000 / storeCalls
      results.push(result)
    }
    return { results, prepared: await preparedResponse(ready.port, pool[0]!) }
  } finally {
    client.close()
    await stopChild(child)
  }
}

/** The gateway's answer for one user, as raw bytes, for the bare server to send back verbatim. */
async function preparedResponse (port: number, entityId: string): Promise<Buffer> {
  const loaded = loadProtoContract().featureStore.FeatureStoreService.service.GetOnlineFeatures
  const Raw = grpc.makeGenericClientConstructor({
    GetOnlineFeatures: { ...loaded, responseDeserialize: (bytes: Buffer) => bytes, responseSerialize: (bytes: Buffer) => bytes }
  }, 'FeatureStoreService')
  const raw = new Raw(`127.0.0.1:${port}`, grpc.credentials.createInsecure())
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      (raw as unknown as Record<string, (request: object, callback: (error: Error | null, bytes: Buffer) => void) => void>)
        .GetOnlineFeatures!({ entity_ids: [entityId], features: FEATURES }, (error, bytes) => error === null ? resolve(bytes) : reject(error))
    })
  } finally {
    raw.close()
  }
}

async function bareRuns (prepared: Buffer, pool: readonly string[]): Promise<Result[]> {
  const dir = mkdtempSync(join(tmpdir(), 'fg-bench-'))
  const file = join(dir, 'response.bin')
  writeFileSync(file, prepared)
  const { child, ready } = await startChild<ServerReady>('bare-process.ts', [file], process.env)
  const client = new FeatureStoreClient(`127.0.0.1:${ready.port}`, { defaultDeadlineMs: 10_000 })
  try {
    await client.waitForReady()
    const results: Result[] = []
    for (const concurrency of CONCURRENCIES) results.push(await measure('bare grpc-js (floor)', concurrency, pool, async (id) => await client.getOnlineFeatures([id], FEATURES)))
    return results
  } finally {
    client.close()
    await stopChild(child)
    rmSync(dir, { recursive: true, force: true })
  }
}

async function sdkRuns (store: StoreReady, pool: readonly string[]): Promise<Result[]> {
  // Tuned as the gateway's own client is (keep-alive pool, serving retries).
  const client = createDynamoClient({
    endpoint: store.endpoint, region: 'us-east-1', maxSockets: 64, connectTimeoutMs: 1_000, maxAttempts: 3, retryBaseMs: 10, staticCredentials: BENCH_CREDENTIALS
  })
  try {
    const read = async (id: string): Promise<void> => {
      const output = await client.send(new BatchGetItemCommand({
        RequestItems: { [store.featureTable]: { Keys: FEATURES.map((set) => ({ _e: { S: id }, _s: { S: set } })) } }
      }))
      if ((output.UnprocessedKeys?.[store.featureTable]?.Keys?.length ?? 0) > 0) throw new Error('unprocessed keys')
      if ((output.Responses?.[store.featureTable]?.length ?? 0) !== FEATURES.length) throw new Error('missing rows')
    }
    const results: Result[] = []
    for (const concurrency of CONCURRENCIES) results.push(await measure('direct SDK BatchGetItem', concurrency, pool, read))
    return results
  } finally {
    client.destroy()
  }
}

// ---- report ----------------------------------------------------------------------------------

function table (results: readonly Result[]): string {
  const rows = [['scenario', 'conc', 'p50 ms', 'p99 ms', 'req/s', 'requests', 'errors', 'store calls/req', 'in handler ms', 'per store call ms']]
  for (const r of results) {
    rows.push([r.name, String(r.concurrency), r.p50.toFixed(3), r.p99.toFixed(3), r.rps.toFixed(0), String(r.requests), String(r.errors),
      r.storeCallsPerRequest === undefined ? '' : r.storeCallsPerRequest.toFixed(3),
      r.handlerMs === undefined ? '' : r.handlerMs.toFixed(3), r.storeCallMs === undefined ? '' : r.storeCallMs.toFixed(3)])
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)))
  return rows.map((row) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`).join('\n')
}

function ratioLines (hits: Result[], misses: Result[], bare: Result[], sdk: Result[]): string[] {
  const lines: string[] = []
  for (const [i, c] of CONCURRENCIES.entries()) {
    lines.push(`c=${c}: cache hit / bare p50 ${(hits[i]!.p50 / bare[i]!.p50).toFixed(2)}x (p99 ${(hits[i]!.p99 / bare[i]!.p99).toFixed(2)}x, req/s ${(hits[i]!.rps / bare[i]!.rps).toFixed(2)}x); ` +
      `cache miss / SDK p50 ${(misses[i]!.p50 / sdk[i]!.p50).toFixed(2)}x (p99 ${(misses[i]!.p99 / sdk[i]!.p99).toFixed(2)}x, req/s ${(misses[i]!.rps / sdk[i]!.rps).toFixed(2)}x)`)
  }
  const hit1 = hits[0]!.p50 / bare[0]!.p50
  const miss1 = misses[0]!.p50 / sdk[0]!.p50
  const calls64 = misses[2]!.storeCallsPerRequest ?? NaN
  lines.push('')
  lines.push(`target: cache-hit p50 within 1.3x of bare (c=1): ${hit1.toFixed(2)}x -> ${hit1 <= 1.3 ? 'met' : 'NOT met'}`)
  lines.push(`target: cache-miss p50 within 1.3x of direct SDK (c=1): ${miss1.toFixed(2)}x -> ${miss1 <= 1.3 ? 'met' : 'NOT met'}`)
  lines.push(`target: >=10x fewer store calls than requests at c=64 (cache off): ${calls64.toFixed(3)} calls/request = ${(1 / calls64).toFixed(1)}x fewer -> ${1 / calls64 >= 10 ? 'met' : 'NOT met'}`)
  return lines
}

async function main (): Promise<void> {
  process.stderr.write(`featuregate gRPC benchmark: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}, ${SECONDS}s per point after ${WARMUP_SECONDS}s warm-up, gateway LOG_LEVEL=${LOG_LEVEL}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`)
  const storeChild = await startChild<StoreReady>('store-process.ts', [], { ...process.env, BENCH_USERS: String(USERS) })
  const store = storeChild.ready
  process.stderr.write(`store: dynalite with ${store.users} demo users (loaded in ${store.loadMs} ms)\n`)
  try {
    const hotPool = fullUsers(1_000)
    const coldPool = fullUsers(USERS)
    process.stderr.write(`request: 1 entity x ${FEATURES.join(', ')} (9 features, one a 256-d embedding)\n`)
    const { results: hits, prepared } = await gatewayRuns('gateway, cache hits', store, true, hotPool)
    process.stderr.write(`prepared response for the bare server: ${prepared.length} bytes\n`)
    const bare = await bareRuns(prepared, hotPool)
    const { results: misses } = await gatewayRuns('gateway, cache misses', store, false, coldPool)
    const sdk = await sdkRuns(store, coldPool)
    process.stderr.write(`load average after the run: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other work on the machine skews every figure)\n`)
    console.log(table([...hits, ...misses, ...bare, ...sdk]))
    console.log('')
    for (const line of ratioLines(hits, misses, bare, sdk)) console.log(line)
  } finally {
    await stopChild(storeChild.child)
  }
}

process.on('SIGINT', () => {
  for (const child of children) child.kill('SIGKILL')
  process.exit(130)
})
await main()
