import t from 'tap'
import { buildApp } from '../../src/app.js'
import { NO_OP_GATEWAY_OBSERVER } from '../../src/core/gateway-observer.js'
import { GatewayMetrics } from '../../src/plugins/metrics/gateway-metrics.js'
import { build, testConfig } from '../helpers/build-app.js'
import { parseExposition, type Exposition } from './helpers/prometheus-text.js'

const DEMO_USERS = '50'

t.test('store and cache series after real lookups through the repository', async (t) => {
  const app = await build(t, { DEMO_USERS, CACHE_NEGATIVE_TTL_MS: '60000' })
  const scrape = async (): Promise<Exposition> => {
    const response = await app.inject('/metrics')
    t.equal(response.statusCode, 200)
    t.match(response.headers['content-type'], /^text\/plain; version=0\.0\.4/)
    return parseExposition(response.body)
  }
  const store = { operation: 'BatchGetItem', outcome: 'ok' }
  const before = await scrape()

  // 3 known users and 1 unknown id, 2 feature sets: 8 rows to read, all misses on a cold cache.
  const entities = ['user_1', 'user_2', 'user_3', 'ghost_1']
  const first = await app.featureLookup.getFeatures(entities, ['user_text', 'user_profile'])
  t.equal(first.entities.length, 4)
  const afterFirst = await scrape()
  const calls = afterFirst.sum('featuregate_dynamodb_request_duration_seconds_count', store) - before.sum('featuregate_dynamodb_request_duration_seconds_count', store)
  t.ok(calls >= 1, 'at least one BatchGetItem call was timed')
  t.equal(afterFirst.value('featuregate_store_batch_keys_sum')! - (before.value('featuregate_store_batch_keys_sum') ?? 0), 8, 'keys sent add up to the 8 rows asked for')
  t.equal(afterFirst.value('featuregate_store_batch_keys_count')! - (before.value('featuregate_store_batch_keys_count') ?? 0), calls, 'one keys observation per call')
  t.equal(afterFirst.value('featuregate_store_batch_lookups_count')! - (before.value('featuregate_store_batch_lookups_count') ?? 0), calls)
  t.equal(afterFirst.value('featuregate_row_cache_misses_total')! - before.value('featuregate_row_cache_misses_total')!, 8)
  t.equal(afterFirst.value('featuregate_row_cache_hits_total')! - before.value('featuregate_row_cache_hits_total')!, 0)
  t.equal(afterFirst.value('featuregate_row_cache_entries'), 8, '6 rows and 2 remembered misses')
  t.ok(afterFirst.value('featuregate_row_cache_bytes')! > 6 * 256 * 4, 'bytes include six 256-float embeddings... and more')
  t.equal(afterFirst.value('featuregate_dynamodb_throttles_total'), 0)
  t.equal(afterFirst.value('featuregate_dynamodb_unprocessed_keys_retried_total'), 0)

  // The same lookup again is answered from the cache: 8 hits, no store call.
  await app.featureLookup.getFeatures(entities, ['user_text', 'user_profile'])
  const afterSecond = await scrape()
  t.equal(afterSecond.value('featuregate_row_cache_hits_total')! - afterFirst.value('featuregate_row_cache_hits_total')!, 8)
  t.equal(afterSecond.value('featuregate_row_cache_misses_total'), afterFirst.value('featuregate_row_cache_misses_total'))
  t.equal(afterSecond.sum('featuregate_dynamodb_request_duration_seconds_count', store), afterFirst.sum('featuregate_dynamodb_request_duration_seconds_count', store))
  t.equal(afterSecond.value('featuregate_row_cache_refreshes_total'), 0, 'rows far from their TTL are not read again')

  // Sub-millisecond resolution: the histogram has 100 µs and 250 µs buckets, cumulative up to +Inf.
  const bucket = (le: string): number | undefined => afterSecond.value('featuregate_dynamodb_request_duration_seconds_bucket', { ...store, le })
  t.not(bucket('0.0001'), undefined)
  t.not(bucket('0.00025'), undefined)
  t.equal(bucket('+Inf'), afterSecond.sum('featuregate_dynamodb_request_duration_seconds_count', store))
})

t.test('refresh-ahead through the whole repository: a row hit near its TTL is read again in the background, and counted', async (t) => {
  // TTL 2 s, refresh in its last second: the second lookup (at ~1.2 s) refreshes, the third (at ~2.4 s,
  // past the first TTL) is still a hit. Margins of ~0.8 s either way for a loaded machine.
  const app = await build(t, { DEMO_USERS, CACHE_TTL_MS: '2000', CACHE_REFRESH_AHEAD_MS: '1000' })
  const scrape = async (): Promise<Exposition> => parseExposition((await app.inject('/metrics')).body)
  const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }
  await app.featureLookup.getFeatures(['user_1'], ['user_profile'])
  const before = await scrape()
  await sleep(1_200)
  await app.featureLookup.getFeatures(['user_1'], ['user_profile'])
  await sleep(100)
  const refreshed = await scrape()
  t.equal(refreshed.value('featuregate_row_cache_refreshes_total'), 1, 'one background read')
  t.equal(refreshed.value('featuregate_row_cache_misses_total'), before.value('featuregate_row_cache_misses_total'), 'the lookup itself was a hit')
  await sleep(1_200)
  await app.featureLookup.getFeatures(['user_1'], ['user_profile'])
  const after = await scrape()
  t.equal(after.value('featuregate_row_cache_misses_total'), before.value('featuregate_row_cache_misses_total'), 'past the first TTL: still a hit')
  t.ok(after.value('featuregate_row_cache_hits_total')! >= before.value('featuregate_row_cache_hits_total')! + 2)
})

t.test('HTTP requests, default process metrics and the observer the store was given', async (t) => {
  const app = await build(t, { DEMO_USERS })
  t.type(app.observer, GatewayMetrics, 'the store reports into the metrics plugin, not the no-op')
  await app.inject('/livez')
  await app.inject('/livez')
  await app.inject('/no/such/route?token=secret')
  const metrics = parseExposition((await app.inject('/metrics')).body)
  t.equal(metrics.value('featuregate_http_request_duration_seconds_count', { method: 'GET', route: '/livez', status_code: '200' }), 2)
  t.equal(metrics.value('featuregate_http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status_code: '404' }), 1,
    'unmatched paths share one label instead of one series per URL')
  for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_gc_duration_seconds']) {
    t.ok(metrics.types.has(name), `default metric ${name}`)
  }
  for (const [name, type] of metrics.types) {
    if (!name.startsWith('featuregate_')) continue
    if (type === 'counter') t.match(name, /_total$/, `counter ${name} ends in _total`)
    if (type === 'histogram' && /duration|handling/.test(name)) t.match(name, /_seconds$/, `latency ${name} is in seconds`)
  }
})

t.test('protocol series: gRPC, GraphQL and feature statuses as the observer records them', async (t) => {
  const metrics = new GatewayMetrics()
  metrics.grpcCall('/feature_store.v1.FeatureStoreService/GetOnlineFeatures', 'OK', 0.0004)
  metrics.grpcCall('/feature_store.v1.FeatureStoreService/GetOnlineFeatures', 'INVALID_ARGUMENT', 0.0002)
  metrics.grpcCall('not a path', 'WHATEVER', 0.001)
  metrics.graphqlOperation('FeaturesForUsers', 'ok', 0.003)
  metrics.graphqlOperation('FeaturesForUsers', 'strange', 0.003)
  metrics.graphqlCost(120)
  metrics.graphqlRejected('cost')
  metrics.graphqlRejected('cost')
  metrics.featureStatuses('grpc', { PRESENT: 7, STALE: 2, NOT_FOUND: 0 })
  metrics.featureStatuses('graphql', { NULL_VALUE: 1, BOGUS: 3 })
  metrics.unprocessedRetry(12)
  metrics.throttled()
  const m = parseExposition(await metrics.scrape())
  const grpc = { grpc_service: 'feature_store.v1.FeatureStoreService', grpc_method: 'GetOnlineFeatures' }
  t.equal(m.value('featuregate_grpc_server_handling_seconds_count', { ...grpc, grpc_code: 'OK' }), 1)
  t.equal(m.value('featuregate_grpc_server_handling_seconds_bucket', { ...grpc, grpc_code: 'OK', le: '0.00025' }), 0)
  t.equal(m.value('featuregate_grpc_server_handling_seconds_bucket', { ...grpc, grpc_code: 'OK', le: '0.0005' }), 1, '400 µs lands in the 500 µs bucket')
  t.equal(m.value('featuregate_grpc_server_handling_seconds_count', { ...grpc, grpc_code: 'INVALID_ARGUMENT' }), 1)
  t.equal(m.value('featuregate_grpc_server_handling_seconds_count', { grpc_service: 'unknown', grpc_method: 'unknown', grpc_code: 'UNKNOWN' }), 1)
  t.equal(m.value('featuregate_graphql_operation_duration_seconds_count', { operation: 'FeaturesForUsers', outcome: 'ok' }), 1)
  t.equal(m.value('featuregate_graphql_operation_duration_seconds_count', { operation: 'FeaturesForUsers', outcome: 'other' }), 1)
  t.equal(m.value('featuregate_graphql_query_cost_sum'), 120)
  t.equal(m.value('featuregate_graphql_rejections_total', { reason: 'cost' }), 2)
  t.equal(m.value('featuregate_feature_statuses_total', { protocol: 'grpc', status: 'PRESENT' }), 7)
  t.equal(m.value('featuregate_feature_statuses_total', { protocol: 'grpc', status: 'STALE' }), 2)
  t.equal(m.value('featuregate_feature_statuses_total', { protocol: 'grpc', status: 'NOT_FOUND' }), undefined, 'zero counts make no series')
  t.equal(m.value('featuregate_feature_statuses_total', { protocol: 'graphql', status: 'other' }), 3)
  t.equal(m.value('featuregate_dynamodb_unprocessed_keys_retried_total'), 12)
  t.equal(m.value('featuregate_dynamodb_throttles_total'), 1)
})

t.test('labels stay bounded whatever callers pass', async (t) => {
  const metrics = new GatewayMetrics()
  for (let i = 0; i < 500; i++) metrics.graphqlOperation(`Op${i}`, 'ok', 0.001)
  metrics.graphqlOperation('has spaces and {braces}', 'ok', 0.001)
  metrics.graphqlOperation('x'.repeat(200), 'ok', 0.001)
  const m = parseExposition(await metrics.scrape())
  const operations = new Set(m.samples.filter((s) => s.name === 'featuregate_graphql_operation_duration_seconds_count').map((s) => s.labels.operation))
  t.ok(operations.size <= 201, `at most 200 names and "other", got ${operations.size}`)
  t.equal(m.value('featuregate_graphql_operation_duration_seconds_count', { operation: 'other', outcome: 'ok' }), 500 - 200 + 2)
  t.equal(m.value('featuregate_graphql_operation_duration_seconds_count', { operation: 'Op0', outcome: 'ok' }), 1, 'names seen first keep their label')
})

t.test('each app has its own registry', async (t) => {
  const a = new GatewayMetrics()
  const b = new GatewayMetrics()
  a.throttled()
  t.equal(parseExposition(await a.scrape()).value('featuregate_dynamodb_throttles_total'), 1)
  t.equal(parseExposition(await b.scrape()).value('featuregate_dynamodb_throttles_total'), 0)
})

t.test('METRICS_ENABLED=false: no /metrics, and the store reports into the no-op', async (t) => {
  const app = await build(t, { DEMO_USERS: '5', METRICS_ENABLED: 'false' })
  t.equal((await app.inject('/metrics')).statusCode, 404)
  t.equal(app.observer, NO_OP_GATEWAY_OBSERVER)
  t.equal(app.metricsAddress(), undefined)
})

t.test('METRICS_PORT: metrics and probes on their own port, not beside the API', async (t) => {
  const app = await buildApp(testConfig({ DEMO_USERS: '5', METRICS_PORT: '0' }))
  t.teardown(async () => await app.close())
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.metricsAddress()
  if (address === undefined) throw new Error('the metrics server is not listening')
  const api = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const ops = `http://127.0.0.1:${address.port}`
  t.not(address.port, (app.server.address() as { port: number }).port)

  t.equal((await fetch(`${api}/metrics`)).status, 404, 'the public port does not serve metrics')
  const scraped = await fetch(`${ops}/metrics`)
  t.equal(scraped.status, 200)
  t.ok(parseExposition(await scraped.text()).types.has('featuregate_row_cache_hits_total'))
  const live = await fetch(`${ops}/livez`)
  t.same([live.status, await live.json()], [200, { status: 'ok' }])
  const ready = await fetch(`${ops}/readyz`)
  t.same([ready.status, await ready.json()], [200, { status: 'ready' }])
  t.equal((await fetch(`${ops}/admin/registry/reload`, { method: 'POST' })).status, 404, 'no admin routes on the metrics port')

  app.readiness.drain()
  const draining = await fetch(`${ops}/readyz`)
  t.same([draining.status, await draining.json()], [503, { status: 'not ready', reason: 'shutting down' }], 'same Readiness as the API port')
  t.equal((await fetch(`${api}/readyz`)).status, 503)
})

t.test('METRICS_PORT must not collide with the other listeners', async (t) => {
  t.throws(() => testConfig({ METRICS_PORT: '9000', HTTP_PORT: '9000' }), { code: 'FG_ERR_INVALID_CONFIG', message: /METRICS_PORT must differ from HTTP_PORT/ })
  t.throws(() => testConfig({ METRICS_PORT: '50051', GRPC_PORT: '' }), { message: /METRICS_PORT must differ from GRPC_PORT, both are 50051/ })
  t.equal(testConfig({ METRICS_PORT: '9464' }).metrics.port, 9464)
  t.equal(testConfig({}).metrics.port, undefined)
})

t.test('change-feed series: polls, entries applied, rows evicted and propagation lag after a write through the writer port', async (t) => {
  const app = await build(t, { DEMO_USERS: '5', CHANGE_FEED_POLL_MS: '50' })
  const scrape = async (): Promise<Exposition> => parseExposition((await app.inject('/metrics')).body)
  // The demo data's own entries are applied by the first polls (twice: see ChangeFollower); let them pass.
  for (let round = 0; round < 200 && ((await scrape()).value('featuregate_change_feed_polls_total', { outcome: 'ok' }) ?? 0) < 3; round++) {
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  const spec = app.featureRegistry.featureSet('user_profile')
  const [row] = await app.featureLookup.getFeatures(['user_1'], ['user_profile']).then((r) => r.entities)
  t.ok(row, 'user_1 read (and cached)')
  const before = await scrape()
  await app.featureStore.writer.writeRows([app.featureStore.writer.prepare({
    entityId: 'user_1', featureSet: spec, eventTime: Date.now(), values: new Map(spec.features.map((f) => [f.name, null]))
  })])
  let after = await scrape()
  // Bounded: the follower polls every 50 ms; 200 rounds of 25 ms is 5 s.
  for (let round = 0; round < 200 && (after.value('featuregate_change_feed_rows_evicted_total') ?? 0) <= (before.value('featuregate_change_feed_rows_evicted_total') ?? 0); round++) {
    await new Promise((resolve) => setTimeout(resolve, 25))
    after = await scrape()
  }
  t.equal(after.value('featuregate_change_feed_rows_evicted_total')! - (before.value('featuregate_change_feed_rows_evicted_total') ?? 0), 1, 'the one row written')
  t.ok(after.sum('featuregate_change_feed_entries_applied_total', { kind: 'rows' }) >= 1)
  t.ok(after.value('featuregate_change_feed_polls_total', { outcome: 'ok' })! > 0)
  t.equal(after.value('featuregate_change_feed_errors_total'), 0)
  t.equal(after.value('featuregate_change_feed_cache_clears_total'), 0)
  t.ok(after.value('featuregate_change_propagation_seconds_count', { kind: 'rows' })! >= 1, 'lag observed')
  t.equal(after.types.get('featuregate_change_propagation_seconds'), 'histogram')
})
