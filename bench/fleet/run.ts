/**
 * npm run bench:fleet — how fast a write reaches every replica, and what following the change log
 * costs each replica when nothing happens.
 *
 * One store (DynamoDB Local when Java 17 is present, else dynalite), REPLICAS gateway processes
 * (`npm start` as the fleet test starts them), each talking to the store through a counting proxy of
 * its own, so store calls are counted per replica. For each CHANGE_FEED_POLL_MS in BENCH_POLLS:
 *   1. idle: BENCH_IDLE_SECONDS with no traffic at all; store calls per replica per second, by
 *      operation (the change log's Query, the registry's periodic Scan at REGISTRY_RELOAD_MS 30 s);
 *   2. propagation: BENCH_WRITES rows written through the RowWriter port (as the CLI's ingest and the
 *      write API write), 4 entities at a time; before each write every replica has the row cached
 *      (CACHE_TTL_MS is 10 minutes), after it each replica is asked every 20 ms until it serves the
 *      new value. Reported: p50/p99/max from the writer's return to served, over writes x replicas,
 *      and the ratio to the poll interval.
 * Then, on DynamoDB Local only, the candidate feeds side by side at each interval (feed-mechanisms.ts):
 * the change log against DynamoDB Streams, BENCH_FEED_WRITES changes each.
 * Knobs: REPLICAS (3), BENCH_POLLS (250,1000), BENCH_IDLE_SECONDS (10), BENCH_WRITES (120), BENCH_FEED_WRITES (60).
 */
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { loadConfig } from '../../src/config.js'
import type { FeatureSetSpec } from '../../src/domain/feature-set-spec.js'
import { openFeatureStore } from '../../src/repo/open-feature-store.js'
import { startFleet, localStoreEnv, servedValue, type GatewayProcess, type Teardown } from '../../test/helpers/gateway-fleet.js'
import { storeBackends } from '../../test/helpers/store-backends.js'
import { LOCAL_CREDENTIALS } from '../../test/helpers/test-store.js'
import { quantile } from '../shared/online-load.js'
import { compareFeeds } from './feed-mechanisms.js'

const REPLICAS = Number(process.env.REPLICAS ?? 3)
const POLLS = (process.env.BENCH_POLLS ?? '250,1000').split(',').map(Number)
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10)
const WRITES = Number(process.env.BENCH_WRITES ?? 120)
const FEED_WRITES = Number(process.env.BENCH_FEED_WRITES ?? 60)
const CONCURRENT_WRITERS = 4
const SET: FeatureSetSpec = { name: 'fleet_bench', entityType: 'user', features: [{ name: 'v', type: 'int64' }] }
const REF = 'fleet_bench:v'

class Cleanup implements Teardown {
  readonly #fns: Array<() => unknown> = []
  teardown (fn: () => unknown): void { this.#fns.push(fn) }
  async run (): Promise<void> {
    for (const fn of this.#fns.reverse()) await fn()
    this.#fns.length = 0
  }
}

/** An HTTP proxy to the store counting calls by operation (X-Amz-Target), one per replica. */
interface CountingProxy { readonly endpoint: string, readonly counts: Map<string, number>, readonly server: Server }

async function countingProxy (upstream: string): Promise<CountingProxy> {
  const target = new URL(upstream)
  const counts = new Map<string, number>()
  const server = createServer((req, res) => {
    const operation = String(req.headers['x-amz-target'] ?? '?').split('.').at(-1) ?? '?'
    counts.set(operation, (counts.get(operation) ?? 0) + 1)
    const forward = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    forward.on('error', () => res.destroy())
    req.pipe(forward)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, counts, server }
}

function total (counts: ReadonlyMap<string, number>): number {
  return [...counts.values()].reduce((a, b) => a + b, 0)
}

async function served (gateway: GatewayProcess, entityId: string): Promise<unknown> {
  return await servedValue(gateway, entityId, REF)
}

async function main (): Promise<void> {
  const cleanup = new Cleanup()
  process.once('SIGINT', () => { void cleanup.run().then(() => process.exit(130)) })
  try {
    const backend = storeBackends().at(-1)!
    const upstream = await backend.start(cleanup)
    const env = localStoreEnv(upstream)
    const config = loadConfig(env)
    const writerStore = await openFeatureStore({ store: config.store, createTables: true, staticCredentials: LOCAL_CREDENTIALS })
    cleanup.teardown(async () => await writerStore.close())
    await writerStore.registry.put(SET)
    console.log(`bench:fleet — ${REPLICAS} gateway processes over ${backend.name}, ${WRITES} writes per poll interval, node ${process.version}`)
    const rows: string[] = []
    let entity = 0
    for (const pollMs of POLLS) {
      const round = new Cleanup()
      cleanup.teardown(async () => await round.run())
      const proxies = await Promise.all(Array.from({ length: REPLICAS }, async () => await countingProxy(upstream)))
      for (const proxy of proxies) round.teardown(async () => await new Promise((resolve) => { proxy.server.closeAllConnections(); proxy.server.close(resolve) }))
      const fleet = await Promise.all(proxies.map(async (proxy) => (await startFleet(round, 1, {
        ...env, DYNAMODB_ENDPOINT: proxy.endpoint, CACHE_TTL_MS: '600000', CHANGE_FEED_POLL_MS: String(pollMs), REGISTRY_RELOAD_MS: '30000', NODE_NO_WARNINGS: '1'
      }))[0]!))

      process.stderr.write(`CHANGE_FEED_POLL_MS=${pollMs}: ${REPLICAS} replicas up; idle for ${IDLE_SECONDS} s, then ${WRITES} writes\n`)
      // 1. Idle.
      for (const proxy of proxies) proxy.counts.clear()
      await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1_000))
      const perSecond = proxies.map((proxy) => total(proxy.counts) / IDLE_SECONDS)
      const byOperation = new Map<string, number>()
      for (const proxy of proxies) for (const [operation, n] of proxy.counts) byOperation.set(operation, (byOperation.get(operation) ?? 0) + n / IDLE_SECONDS / REPLICAS)

      // 2. Propagation.
      const delays: number[] = []
      let next = 0
      const writer = async (): Promise<void> => {
        while (next < WRITES) {
          const i = next++
          const entityId = `bench_${entity++}`
          await writerStore.writer.writeRows([writerStore.writer.prepare({ entityId, featureSet: SET, eventTime: Date.now(), values: new Map([['v', { type: 'int64', value: BigInt(i) }]]) })])
          // Cached everywhere first, as a hot row would be.
          for (const gateway of fleet) await served(gateway, entityId)
          await writerStore.writer.writeRows([writerStore.writer.prepare({ entityId, featureSet: SET, eventTime: Date.now(), values: new Map([['v', { type: 'int64', value: BigInt(i + 1) }]]) })])
          const written = performance.now()
          await Promise.all(fleet.map(async (gateway) => {
            for (;;) {
              if (await served(gateway, entityId) === String(i + 1)) break
              if (performance.now() - written > 60_000) throw new Error(`${gateway.api} did not serve ${entityId} within 60 s`)
              await new Promise((resolve) => setTimeout(resolve, 20))
            }
            delays.push(performance.now() - written)
          }))
        }
      }
      await Promise.all(Array.from({ length: CONCURRENT_WRITERS }, writer))
      await round.run()
      delays.sort((a, b) => a - b)
      const p50 = quantile(delays, 0.5)
      const p99 = quantile(delays, 0.99)
      const max = Math.max(...delays)
      rows.push(`| ${pollMs} | ${p50.toFixed(0)} | ${p99.toFixed(0)} | ${max.toFixed(0)} | ${(p50 / pollMs).toFixed(2)} | ${(p99 / pollMs).toFixed(2)} | ${(perSecond.reduce((a, b) => a + b, 0) / REPLICAS).toFixed(2)} | ${[...byOperation].map(([op, n]) => `${op} ${n.toFixed(2)}`).join(', ')} |`)
      console.log(rows.at(-1))
    }
    if (backend.name === 'dynamodb-local') {
      console.log(`\nThe candidate feeds side by side (${REPLICAS} readers each, ${FEED_WRITES} changes, write start to seen, ms):`)
      console.log('| poll ms | change log p50 | p99 | idle calls/reader/s | Streams p50 | p99 | idle calls/reader/s (1 shard) | Streams p50 / change log p50 |')
      console.log('|---|---|---|---|---|---|---|---|')
      for (const pollMs of POLLS) {
        const { changeLog, streams } = await compareFeeds(upstream, pollMs, REPLICAS, FEED_WRITES, IDLE_SECONDS)
        console.log(`| ${pollMs} | ${changeLog.p50.toFixed(0)} | ${changeLog.p99.toFixed(0)} | ${changeLog.idleCallsPerReaderPerSecond.toFixed(2)} | ${streams.p50.toFixed(0)} | ${streams.p99.toFixed(0)} | ${streams.idleCallsPerReaderPerSecond.toFixed(2)} | ${(streams.p50 / changeLog.p50).toFixed(2)} |`)
      }
    }
    console.log('\nEnd to end through the gateways (writer\'s return to every replica serving the new value):')
    console.log('| CHANGE_FEED_POLL_MS | propagation p50 ms | p99 ms | max ms | p50 / poll | p99 / poll | idle store calls per replica per s | by operation |')
    console.log('|---|---|---|---|---|---|---|---|')
    for (const row of rows) console.log(row)
  } finally {
    await cleanup.run()
  }
}

await main()
