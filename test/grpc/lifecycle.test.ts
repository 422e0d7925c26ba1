import * as grpc from '@grpc/grpc-js'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { build, testConfig } from '../helpers/build-app.js'
import { check, clientFor, failureOf, healthClientFor } from './harness.js'

/**
 * Holds every store read at a gate, so a call can be kept in flight for as long as a test needs.
 * The reads themselves go to the real store once the gate opens.
 */
function gateStoreReads (app: FastifyInstance): { entered: Promise<void>, open: () => void } {
  const rows = app.featureRows
  const readRows = rows.readRows.bind(rows)
  let open: () => void = () => {}
  const gate = new Promise<void>((resolve) => { open = resolve })
  let enter: () => void = () => {}
  const entered = new Promise<void>((resolve) => { enter = resolve })
  rows.readRows = async (requests, options) => {
    enter()
    await gate
    return await readRows(requests, options)
  }
  return { entered, open }
}

t.test('binds GRPC_PORT (0 picks a free port), and says so clearly when the port is taken', async (t) => {
  const app = await build(t, { DEMO_USERS: '5' })
  t.ok(app.grpcPort > 0, `bound to ${app.grpcPort}`)
  const clash = await buildApp(testConfig({ DEMO_USERS: '5', GRPC_PORT: String(app.grpcPort) }))
  t.teardown(async () => { await clash.close().catch(() => {}) })
  await t.rejects(async () => { await clash.ready() }, { message: new RegExp(`gRPC server cannot bind 127\\.0\\.0\\.1:${app.grpcPort}`) })
})

t.test('draining (shutdown begun, load balancers catching up) reports NOT_SERVING while calls are still answered', async (t) => {
  const app = await build(t, { DEMO_USERS: '5' })
  const client = clientFor(t, app)
  const health = healthClientFor(t, app)
  t.equal(await check(health), 'SERVING')
  app.readiness.drain()
  t.equal(await check(health), 'NOT_SERVING')
  t.equal(await check(health, 'feature_store.v1.FeatureStoreService'), 'NOT_SERVING')
  const response = await client.getOnlineFeatures(['user_1'], ['user_profile:region'])
  t.equal(response.entity_ids[0], 'user_1', 'calls that still arrive are answered')
})

t.test('close lets an in-flight call finish, reports NOT_SERVING meanwhile, and closes the store only after', async (t) => {
  const app = await build(t, { DEMO_USERS: '20', CACHE_ENABLED: 'false' })
  const client = clientFor(t, app)
  const health = healthClientFor(t, app)
  const events: string[] = []
  const store = app.featureStore
  const closeStore = store.close.bind(store)
  store.close = async () => {
    events.push('store closed')
    await closeStore()
  }

  const unknown = health.Watch({ service: 'no.such.Service' })
  unknown.on('error', () => {})
  unknown.on('data', () => {})
  const unknownEnded = new Promise<void>((resolve) => unknown.on('end', resolve))
  const statuses: string[] = []
  const watch = health.Watch({ service: 'feature_store.v1.FeatureStoreService' })
  watch.on('error', () => {})
  const watchEnded = new Promise<void>((resolve) => watch.on('end', resolve))
  const serving = new Promise<void>((resolve) => watch.on('data', (message: { status: string }) => { statuses.push(message.status); resolve() }))
  await serving

  const gate = gateStoreReads(app)
  const inFlight = client.getOnlineFeatures(['user_1'], ['user_profile:region'], { deadlineMs: 60_000 })
    .then((response) => { events.push('call answered'); return response })
  await gate.entered
  const closing = app.close().then(() => events.push('app closed'))
  await watchEnded
  t.same(statuses, ['SERVING', 'NOT_SERVING'], 'health watchers hear NOT_SERVING as close begins, then their stream ends')
  await unknownEnded
  t.pass('a watch of an unknown service ends too, so it cannot hold the drain open')
  // Give close every chance to run ahead to the store if it were going to.
  await sleep(100)
  gate.open()
  const response = await inFlight
  t.equal(response.results[0]?.statuses[0], 'FEATURE_STATUS_PRESENT', 'the in-flight call got its answer from the store')
  await closing
  t.same(events, ['call answered', 'store closed', 'app closed'], 'the store closed only after the gRPC server drained')
  const after = await failureOf(t, client.getOnlineFeatures(['user_1'], ['user_profile:region'], { deadlineMs: 2_000 }))
  t.equal(after.code, grpc.status.UNAVAILABLE, 'no new calls once closed')
})

t.test('close cuts off calls still in flight when the grace period ends', async (t) => {
  const app = await build(t, { DEMO_USERS: '5', SHUTDOWN_GRACE_MS: '300' })
  const client = clientFor(t, app)
  const gate = gateStoreReads(app)
  t.teardown(() => gate.open())
  const stuck = failureOf(t, client.getOnlineFeatures(['user_1'], ['user_profile'], { deadlineMs: 60_000 }))
  await gate.entered
  await app.close()
  const error = await stuck
  t.ok(error.code === grpc.status.UNAVAILABLE || error.code === grpc.status.CANCELLED, `the stuck call ended (${grpc.status[error.code]}) rather than holding close open`)
})
