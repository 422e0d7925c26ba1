/**
 * What the Prometheus observer costs per gRPC call, as a ratio to a floor measured in the same run:
 * one cached single-entity lookup through the lookup service (the cheapest real call the gateway
 * answers). Also what one scrape costs with every family populated. Prints ratios, not verdicts.
 * Usage: npm run bench:metrics
 */
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { NO_OP_GATEWAY_OBSERVER, type GatewayObserver } from '../../src/core/gateway-observer.js'
import { GatewayMetrics } from '../../src/plugins/metrics/gateway-metrics.js'

const CALLS = 200_000
const METHOD = '/feature_store.v1.FeatureStoreService/GetOnlineFeatures'
const STATUSES = { PRESENT: 180, STALE: 15, NOT_FOUND: 5 }

/** What one gRPC call reports: its own timing, its statuses, one store call with its batch. */
function oneCall (observer: GatewayObserver, i: number): void {
  observer.grpcCall(METHOD, i % 50 === 0 ? 'INVALID_ARGUMENT' : 'OK', 0.0003 + (i % 7) * 0.0001)
  observer.featureStatuses('grpc', STATUSES)
  observer.storeCall('BatchGetItem', 0.002, 'ok')
  observer.batchGet(40, 3)
}

function nsPerCall (observer: GatewayObserver): number {
  for (let i = 0; i < 20_000; i++) oneCall(observer, i)
  const started = process.hrtime.bigint()
  for (let i = 0; i < CALLS; i++) oneCall(observer, i)
  return Number(process.hrtime.bigint() - started) / CALLS
}

async function nsPerCachedLookup (): Promise<number> {
  const app = await buildApp(loadConfig({ DEMO_USERS: '10', LOG_LEVEL: 'silent', REGISTRY_RELOAD_MS: '0', HTTP_PORT: '0', GRPC_PORT: '0' }))
  await app.ready()
  const lookups = 50_000
  for (let i = 0; i < 5_000; i++) await app.featureLookup.getFeatures(['user_1'], ['user_profile'])
  const started = process.hrtime.bigint()
  for (let i = 0; i < lookups; i++) await app.featureLookup.getFeatures(['user_1'], ['user_profile'])
  const ns = Number(process.hrtime.bigint() - started) / lookups
  await app.close()
  return ns
}

const metrics = new GatewayMetrics()
const lookup = await nsPerCachedLookup()
const noop = Math.min(nsPerCall(NO_OP_GATEWAY_OBSERVER), nsPerCall(NO_OP_GATEWAY_OBSERVER))
const prometheus = Math.min(nsPerCall(metrics), nsPerCall(metrics))
for (let i = 0; i < 100; i++) metrics.graphqlOperation(`Op${i}`, 'ok', 0.001)

const scrapes = 200
await metrics.scrape()
const started = process.hrtime.bigint()
let bytes = 0
for (let i = 0; i < scrapes; i++) bytes = (await metrics.scrape()).length
const scrapeMs = Number(process.hrtime.bigint() - started) / scrapes / 1e6

console.log(`node ${process.version}, ${CALLS} simulated gRPC calls (4 observer calls each)`)
console.log(`floor: one cached 1-entity lookup through the lookup service: ${(lookup / 1000).toFixed(2)} µs`)
console.log(`no-op observer:      ${(noop / 1000).toFixed(3)} µs per call (${(noop / lookup).toFixed(3)}x the floor)`)
console.log(`Prometheus observer: ${(prometheus / 1000).toFixed(2)} µs per call (${(prometheus / lookup).toFixed(2)}x the floor)`)
console.log(`one scrape: ${scrapeMs.toFixed(2)} ms for ${(bytes / 1024).toFixed(0)} KiB of text`)
