import * as grpc from '@grpc/grpc-js'
import t from 'tap'
import { FeatureStoreClient } from '../../examples/grpc-client.js'
import { buildApp } from '../../src/app.js'
import type { GrpcCallContext } from '../../src/plugins/grpc/call-hooks.js'
import { loadProtoContract } from '../../src/plugins/grpc/proto-contract.js'
import { testConfig } from '../helpers/build-app.js'
import { parseExposition } from './helpers/prometheus-text.js'

// One app for the file: gRPC traffic, then its metrics and its log lines.
const logs: string[] = []
const app = await buildApp(testConfig({ DEMO_USERS: '50', LOG_LEVEL: 'debug', SLOW_REQUEST_MS: '60000' }), { logStream: { write: (line) => { logs.push(line) } } })
t.teardown(async () => await app.close())
await app.ready()
const address = `127.0.0.1:${app.grpcPort}`
const client = new FeatureStoreClient(address, { defaultDeadlineMs: 10_000 })
t.teardown(() => client.close())
const { featureStore } = loadProtoContract()
const raw = new featureStore.FeatureStoreService(address, grpc.credentials.createInsecure())
t.teardown(() => raw.close())

const logLines = (): Array<Record<string, unknown>> => logs.map((line) => JSON.parse(line) as Record<string, unknown>)
const METHOD = '/feature_store.v1.FeatureStoreService/GetOnlineFeatures'
const grpcLabels = { grpc_service: 'feature_store.v1.FeatureStoreService', grpc_method: 'GetOnlineFeatures' }

t.test('gRPC traffic shows up in /metrics: per method and code, and per feature status', async (t) => {
  const before = parseExposition((await app.inject('/metrics')).body)
  const entities = ['user_1', 'user_2', 'user_3', 'ghost_1', 'user_1']
  const refs = ['user_text', 'user_profile:region']
  await client.getOnlineFeatures(entities, refs)
  await client.getOnlineFeatures(entities, refs)
  await client.getOnlineFeatures(['user_1'], ['no_such_set']).catch(() => undefined)
  const after = parseExposition((await app.inject('/metrics')).body)
  const delta = (name: string, labels: Record<string, string>): number => after.sum(name, labels) - before.sum(name, labels)

  t.equal(delta('featuregate_grpc_server_handling_seconds_count', { ...grpcLabels, grpc_code: 'OK' }), 2)
  t.equal(delta('featuregate_grpc_server_handling_seconds_count', { ...grpcLabels, grpc_code: 'INVALID_ARGUMENT' }), 1)
  t.equal(after.value('featuregate_grpc_server_handling_seconds_bucket', { ...grpcLabels, grpc_code: 'OK', le: '+Inf' }), after.value('featuregate_grpc_server_handling_seconds_count', { ...grpcLabels, grpc_code: 'OK' }))

  // The statuses the two calls must have produced, counted independently through the lookup.
  const expected: Record<string, number> = {}
  const reference = await app.featureLookup.getFeatures(entities, refs)
  for (const entity of reference.entities) for (const result of entity.results) expected[result.status] = (expected[result.status] ?? 0) + 2
  t.ok(Object.keys(expected).length >= 2, `the traffic covers several statuses: ${JSON.stringify(expected)}`)
  for (const [status, count] of Object.entries(expected)) {
    t.equal(delta('featuregate_feature_statuses_total', { protocol: 'grpc', status }), count, `${status} counted per feature`)
  }
  t.equal(delta('featuregate_feature_statuses_total', { protocol: 'grpc' }), 2 * entities.length * 4, 'every cell counted once: 5 entities x 4 features x 2 calls')
})

t.test('gRPC request id: from x-request-id metadata, returned as metadata, on the call log line', async (t) => {
  const returned = await new Promise<{ id: unknown, error: grpc.ServiceError | null }>((resolve) => {
    const metadata = new grpc.Metadata()
    metadata.set('x-request-id', 'grpc-trace-1')
    metadata.set('authorization', 'Bearer s3cret-grpc')
    let id: unknown
    const call = raw.GetOnlineFeatures({ entity_ids: ['user_4'], features: ['user_profile:region'] }, metadata, { deadline: Date.now() + 10_000 }, (error) => resolve({ id, error }))
    call.on('metadata', (headers: grpc.Metadata) => { id = headers.get('x-request-id')[0] })
  })
  t.equal(returned.error, null)
  t.equal(returned.id, 'grpc-trace-1')

  const failed = await new Promise<grpc.ServiceError>((resolve) => {
    const metadata = new grpc.Metadata()
    metadata.set('x-request-id', 'grpc-trace-2')
    raw.GetOnlineFeatures({ entity_ids: ['user_4'], features: ['nope:nope'] }, metadata, { deadline: Date.now() + 10_000 }, (error) => resolve(error!))
  })
  t.equal(failed.code, grpc.status.INVALID_ARGUMENT)
  t.equal(failed.metadata.get('x-request-id')[0], 'grpc-trace-2', 'failures return it in the trailers')

  const generated = await new Promise<unknown>((resolve) => {
    let id: unknown
    const call = raw.GetOnlineFeatures({ entity_ids: ['user_4'], features: ['user_profile:region'] }, new grpc.Metadata(), { deadline: Date.now() + 10_000 }, () => resolve(id))
    call.on('metadata', (headers: grpc.Metadata) => { id = headers.get('x-request-id')[0] })
  })
  t.match(generated, /^[0-9a-f-]{36}$/, 'a UUID when the caller sent none')

  const lines = logLines().filter((line) => line.msg === 'gRPC call completed')
  t.match(lines.find((line) => line.reqId === 'grpc-trace-1'), { level: 20, grpc: { method: METHOD, code: 'OK' }, responseTimeMs: Number }, 'successful calls at debug')
  t.match(lines.find((line) => line.reqId === 'grpc-trace-2'), { level: 30, grpc: { method: METHOD, code: 'INVALID_ARGUMENT' }, errorCode: 'FG_ERR_UNKNOWN_FEATURE_SET' }, 'failures at info')
  t.ok(lines.some((line) => line.reqId === generated))

  const region = (await app.featureLookup.getFeatures(['user_4'], ['user_profile:region'])).entities[0]!.results[0]!.value
  const all = logs.join('')
  t.notMatch(all, /s3cret/, 'no metadata values in the log')
  if (region?.type === 'string') t.notOk(all.includes(JSON.stringify(region.value)), 'no feature values in the log')
})

t.test('slow gRPC calls are logged again at warn', async (t) => {
  // A call cannot be made slow on demand, so the finished-call hook is handed one that took 61 s.
  const call: GrpcCallContext = {
    method: METHOD,
    deadlineAt: undefined,
    signal: new AbortController().signal,
    header: (name) => name === 'x-request-id' ? 'slow-grpc-1' : undefined,
    principal: undefined,
    setResponseHeader: () => {}
  }
  app.grpcCallHooks.runDone(call, { codeName: 'OK', seconds: 61, error: undefined })
  app.grpcCallHooks.runDone({ ...call, header: (name) => name === 'x-request-id' ? 'fast-grpc-1' : undefined }, { codeName: 'OK', seconds: 0.002, error: undefined })
  const slow = logLines().filter((line) => line.msg === 'Slow gRPC call')
  t.equal(slow.length, 1)
  t.match(slow[0], { level: 40, reqId: 'slow-grpc-1', grpc: { method: METHOD, code: 'OK' }, responseTimeMs: 61_000, slowRequestMs: 60_000 })
})
