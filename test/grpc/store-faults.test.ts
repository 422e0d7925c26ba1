import * as grpc from '@grpc/grpc-js'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { storeBackends } from '../helpers/store-backends.js'
import { clientFor, failureOf, gatewayBehindProxy } from './harness.js'

/*
 * Faults a local store never produces by itself (throttling, a read that never answers), injected
 * by the fault proxy between the whole gateway and a real dynalite holding the demo data.
 */

const ONLINE = '/feature_store.v1.FeatureStoreService/GetOnlineFeatures'

/** Resolves with the status name the gateway records for its next finished call. */
function nextRecordedCall (app: FastifyInstance): Promise<string> {
  const observer = app.observer
  const original = observer.grpcCall
  return new Promise((resolve) => {
    observer.grpcCall = (method, code, seconds) => {
      original.call(observer, method, code, seconds)
      if (method !== ONLINE) return
      observer.grpcCall = original
      resolve(code)
    }
  })
}

t.test('RESOURCE_EXHAUSTED when the store throttles reads', async (t) => {
  const { app, proxy } = await gatewayBehindProxy(t, 20)
  const client = clientFor(t, app)
  t.equal((await client.getOnlineFeatures(['user_1'], ['user_profile'])).entity_ids[0], 'user_1', 'answers while the store does')

  proxy.decide = (operation) => operation === 'BatchGetItem' ? { kind: 'throttle' } : { kind: 'forward' }
  const error = await failureOf(t, client.getOnlineFeatures(['user_2'], ['user_profile']))
  t.equal(error.code, grpc.status.RESOURCE_EXHAUSTED)
  t.equal(error.details, 'The feature store is throttling reads; retry with backoff')
  t.ok(proxy.requestsFor('BatchGetItem').filter((r) => r.fault === 'throttle').length >= 1, 'the store was asked and throttled')
})

t.test('the caller\'s deadline passing gives DEADLINE_EXCEEDED and cancels the store read in flight', async (t) => {
  // Cache on: the shared read carries no single caller's signal, but it does carry the deadline.
  // The default deadline is 10 minutes, so only the caller's own deadline can end this in time.
  const { app, proxy } = await gatewayBehindProxy(t, 20, { DEFAULT_DEADLINE_MS: '600000' })
  const client = clientFor(t, app)
  proxy.decide = (operation) => operation === 'BatchGetItem' ? { kind: 'hang' } : { kind: 'forward' }
  const recorded = nextRecordedCall(app)
  const error = await failureOf(t, client.getOnlineFeatures(['user_3'], ['user_text'], { deadlineMs: 300 }))
  t.equal(error.code, grpc.status.DEADLINE_EXCEEDED)
  t.equal(await proxy.aborted, 1, 'the gateway abandoned the hung BatchGetItem request')
  t.equal(await recorded, 'DEADLINE_EXCEEDED', 'and recorded the call as the caller saw it')
})

t.test('a caller cancelling its call cancels the store read in flight', async (t) => {
  // Cache off: the read is this caller's own and carries its signal. Deadlines are 10 minutes
  // away, so only the cancellation can end this within the test's timeout.
  const { app, proxy } = await gatewayBehindProxy(t, 20, { CACHE_ENABLED: 'false', DEFAULT_DEADLINE_MS: '600000' })
  const client = clientFor(t, app)
  let entered: () => void = () => {}
  const reachedStore = new Promise<void>((resolve) => { entered = resolve })
  proxy.decide = (operation) => {
    if (operation !== 'BatchGetItem') return { kind: 'forward' }
    entered()
    return { kind: 'hang' }
  }
  const recorded = nextRecordedCall(app)
  const controller = new AbortController()
  const call = failureOf(t, client.getOnlineFeatures(['user_4'], ['user_profile'], { deadlineMs: 600_000, signal: controller.signal }))
  await reachedStore
  controller.abort()
  t.equal((await call).code, grpc.status.CANCELLED, 'the client sees its own cancellation')
  t.equal(await proxy.aborted, 1, 'the gateway abandoned the hung BatchGetItem request long before any deadline')
  t.equal(await recorded, 'CANCELLED')
})

// Partial reads and stale-if-error, against each real store we have (the proxy injects the faults).
// One server per backend: each test has its own tables, proxy and gateway on it.
for (const backend of storeBackends()) {
  t.test(backend.name, async (t) => {
    const upstream = await backend.start(t)
    t.test('a read that fails in part answers the ids it could read and marks the others UNAVAILABLE', async (t) => {
      const { app, proxy } = await gatewayBehindProxy(t, 150, {}, upstream)
      const client = clientFor(t, app)
      // The chunk holding user_120 is throttled past its retries every time; the other chunk is read.
      const holds = (body: Record<string, unknown>, id: string): boolean => JSON.stringify(body).includes(`"${id}"`)
      proxy.decide = (operation, body) => operation === 'BatchGetItem' && holds(body, 'user_120') ? { kind: 'unprocess', keep: 0 } : { kind: 'forward' }
      const ids = Array.from({ length: 150 }, (_, i) => `user_${i}`)
      const answer = await client.getOnlineFeatures(ids, ['user_profile:region'])
      const statuses = answer.results[0]!.statuses.map((s) => String(s).replace(/^FEATURE_STATUS_/, ''))
      const failedChunk = new Set(proxy.requestsFor('BatchGetItem').filter((r) => r.fault === 'unprocess').flatMap((r) =>
        ((r.body.RequestItems as Record<string, { Keys: Array<{ _e: { S: string } }> }>)[Object.keys(r.body.RequestItems as object)[0]!]!.Keys).map((k) => k._e.S)))
      t.ok(failedChunk.has('user_120') && failedChunk.size < 150, `one chunk of ${failedChunk.size} keys failed`)
      ids.forEach((id, i) => {
        if (failedChunk.has(id)) t.equal(statuses[i], 'UNAVAILABLE', `${id}: could not be read`)
        else t.ok(statuses[i] === 'PRESENT' || statuses[i] === 'NOT_FOUND' || statuses[i] === 'STALE', `${id}: answered (${statuses[i]!})`)
      })

      // The rows that could not be read were not cached as missing: once the store recovers they are read.
      proxy.decide = () => ({ kind: 'forward' })
      const again = await client.getOnlineFeatures(['user_120'], ['user_profile:region'])
      t.not(String(again.results[0]!.statuses[0]), 'FEATURE_STATUS_UNAVAILABLE')
    })

    t.test('stale-if-error: while the store throttles, a row past its cache TTL is still served, as STALE, within STALE_IF_ERROR_MS', async (t) => {
      const { app, proxy } = await gatewayBehindProxy(t, 20, { CACHE_TTL_MS: '50', STALE_IF_ERROR_MS: '60000', BATCH_ENABLED: 'true' }, upstream)
      const client = clientFor(t, app)
      const fresh = await client.getOnlineFeatures(['user_1'], ['user_profile:region'])
      t.equal(String(fresh.results[0]!.statuses[0]), 'FEATURE_STATUS_PRESENT')
      await new Promise((resolve) => setTimeout(resolve, 120)) // past the 50 ms TTL

      proxy.decide = (operation) => operation === 'BatchGetItem' ? { kind: 'throttle' } : { kind: 'forward' }
      const stale = await client.getOnlineFeatures(['user_1'], ['user_profile:region'])
      t.equal(String(stale.results[0]!.statuses[0]), 'FEATURE_STATUS_STALE', 'its status says it is stale')
      t.same(stale.results[0]!.values[0], fresh.results[0]!.values[0], 'the last value read')
      t.equal(String(stale.results[0]!.event_times_ms[0]), String(fresh.results[0]!.event_times_ms[0]), 'with its own event time')
      t.ok(proxy.requestsFor('BatchGetItem').some((r) => r.fault === 'throttle'), 'the store was asked first')
      t.match((await app.inject({ method: 'GET', url: '/metrics' })).body, /^featuregate_row_cache_stale_served_total [1-9]/m, 'counted')

      const never = await failureOf(t, client.getOnlineFeatures(['user_2'], ['user_profile:region']))
      t.equal(never.code, grpc.status.RESOURCE_EXHAUSTED, 'a row never cached still fails as before')
    })

    t.test('stale-if-error has a bound: past STALE_IF_ERROR_MS the failure is the answer', async (t) => {
      const { app, proxy } = await gatewayBehindProxy(t, 20, { CACHE_TTL_MS: '50', STALE_IF_ERROR_MS: '50' }, upstream)
      const client = clientFor(t, app)
      await client.getOnlineFeatures(['user_1'], ['user_profile:region'])
      await new Promise((resolve) => setTimeout(resolve, 200)) // past TTL + bound
      proxy.decide = (operation) => operation === 'BatchGetItem' ? { kind: 'throttle' } : { kind: 'forward' }
      const error = await failureOf(t, client.getOnlineFeatures(['user_1'], ['user_profile:region']))
      t.equal(error.code, grpc.status.RESOURCE_EXHAUSTED)
    })
  })
}
