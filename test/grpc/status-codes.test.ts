import * as grpc from '@grpc/grpc-js'
import t from 'tap'
import { RateLimitedError, UnauthenticatedError } from '../../src/errors.js'
import { build } from '../helpers/build-app.js'
import { clientFor, failureOf } from './harness.js'

const { status } = grpc
const app = await build(t, {
  DEMO_USERS: '20',
  MAX_ENTITIES_PER_REQUEST: '5',
  MAX_FEATURES_PER_REQUEST: '4',
  // Every call reaches the store, so the store outage below cannot be hidden by cached rows.
  CACHE_ENABLED: 'false'
})
const client = clientFor(t, app)

// A spy on what the plugin reports (the app's real observer still records everything).
const reported: Array<{ method: string, code: string }> = []
const statusCounts: Array<Readonly<Record<string, number>>> = []
const observer = app.observer
const grpcCall = observer.grpcCall.bind(observer)
const featureStatuses = observer.featureStatuses.bind(observer)
observer.grpcCall = (method, code, seconds) => {
  reported.push({ method, code })
  grpcCall(method, code, seconds)
}
observer.featureStatuses = (protocol, counts) => {
  if (protocol === 'grpc') statusCounts.push(counts)
  featureStatuses(protocol, counts)
}

const ONLINE = '/feature_store.v1.FeatureStoreService/GetOnlineFeatures'
const REALTIME = '/feature_store.v1.FeatureStoreService/GetRealtimeFeatures'

t.test('INVALID_ARGUMENT for everything a caller can get wrong, with a message naming it', async (t) => {
  const cases: Array<{ what: string, call: () => Promise<unknown>, details: RegExp }> = [
    { what: 'empty entity id', call: async () => await client.getOnlineFeatures(['user_1', ''], ['user_profile']), details: /entity id must be a non-empty string/ },
    { what: 'no entity ids', call: async () => await client.getOnlineFeatures([], ['user_profile']), details: /At least one entity id is required/ },
    { what: 'too many entity ids', call: async () => await client.getOnlineFeatures(['a', 'b', 'c', 'd', 'e', 'f'], ['user_profile']), details: /entity ids: 6 requested, the limit is 5/ },
    { what: 'too many features', call: async () => await client.getOnlineFeatures(['user_1'], ['user_text', 'user_profile']), details: /features: 5 requested, the limit is 4/ },
    { what: 'no features', call: async () => await client.getOnlineFeatures(['user_1'], []), details: /At least one feature reference is required/ },
    { what: 'unknown feature set', call: async () => await client.getOnlineFeatures(['user_1'], ['user_profile', 'no_such_set']), details: /Unknown feature set "no_such_set"/ },
    { what: 'unknown feature', call: async () => await client.getOnlineFeatures(['user_1'], ['user_profile:shoe_size']), details: /Unknown feature "shoe_size" in feature set "user_profile"/ },
    { what: 'malformed reference', call: async () => await client.getOnlineFeatures(['user_1'], ['user_profile:region:x']), details: /Invalid feature reference/ },
    { what: 'control characters in an id', call: async () => await client.getOnlineFeatures(['user\u00001'], ['user_profile']), details: /control characters/ },
    { what: 'oversized id', call: async () => await client.getOnlineFeatures(['x'.repeat(5000)], ['user_profile']), details: /at most 1024 bytes/ },
    { what: 'realtime: empty entity id', call: async () => await client.getRealtimeFeatures('', ['user_profile']), details: /non-empty string/ },
    { what: 'realtime: unknown set', call: async () => await client.getRealtimeFeatures('user_1', ['nope']), details: /Unknown feature set "nope"/ }
  ]
  for (const { what, call, details } of cases) {
    const error = await failureOf(t, call())
    t.equal(error.code, status.INVALID_ARGUMENT, `${what}: INVALID_ARGUMENT`)
    t.match(error.details, details, `${what}: ${error.details}`)
  }
  const huge = await failureOf(t, client.getOnlineFeatures(['user_1'], ['u'.repeat(10_000)]))
  t.equal(huge.code, status.INVALID_ARGUMENT)
  t.ok(huge.details.length <= 512, 'a message quoting huge input is cut short')
})

t.test('NOT_FOUND for a single entity with no requested data, while the batch call answers with statuses', async (t) => {
  const error = await failureOf(t, client.getRealtimeFeatures('ghost', ['user_profile']))
  t.equal(error.code, status.NOT_FOUND)
  const batch = await client.getOnlineFeatures(['ghost'], ['user_profile'])
  t.same(batch.results.map((column) => column.statuses), [['FEATURE_STATUS_NOT_FOUND'], ['FEATURE_STATUS_NOT_FOUND']])
})

t.test('each call is reported once to the observer with its method and status name, and its cells by status', async (t) => {
  reported.length = 0
  statusCounts.length = 0
  await client.getOnlineFeatures(['user_1', 'ghost'], ['user_profile'])
  await failureOf(t, client.getOnlineFeatures([''], ['user_profile']))
  await failureOf(t, client.getRealtimeFeatures('ghost', ['user_profile']))
  t.same(reported, [
    { method: ONLINE, code: 'OK' },
    { method: ONLINE, code: 'INVALID_ARGUMENT' },
    { method: REALTIME, code: 'NOT_FOUND' }
  ])
  t.equal(statusCounts.length, 2, 'statuses are counted for every lookup that reached the store, not for refused input')
  t.match(statusCounts[0], { NOT_FOUND: 2 })
  t.equal(Object.values(statusCounts[0]!).reduce((a, b) => a + b, 0), 4, 'one count per cell (2 entities x 2 features)')
  t.same(statusCounts[1], { PRESENT: 0, NULL_VALUE: 0, NOT_FOUND: 2, STALE: 0, INVALID: 0, UNAVAILABLE: 0 })
})

t.test('the signal handed to the lookup stays quiet after a call that completed (grpc-js reports every finished call as "cancelled")', async (t) => {
  const lookup = app.featureLookup
  const read = lookup.read.bind(lookup)
  const signals: AbortSignal[] = []
  lookup.read = async (ids, features, options = {}) => {
    if (options.signal !== undefined) signals.push(options.signal)
    return await read(ids, features, options)
  }
  t.teardown(() => { lookup.read = read })
  await client.getOnlineFeatures(['user_1'], ['user_profile'])
  await new Promise((resolve) => setImmediate(resolve))
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(signals.length, 1)
  t.equal(signals[0]?.aborted, false, 'no abort cascades through the store layer after an answer')
})

t.test('call hooks: typed refusals map to their codes, and a bug is INTERNAL without internals', async (t) => {
  let refuse: 'none' | 'auth' | 'rate' | 'bug' = 'none'
  const seenHeaders: Array<string | undefined> = []
  app.grpcCallHooks.onCallStart((call) => {
    seenHeaders.push(call.header('x-request-id'))
    call.setResponseHeader('x-request-id', call.header('x-request-id') ?? 'generated')
    if (refuse === 'auth') throw new UnauthenticatedError()
    if (refuse === 'rate') throw new RateLimitedError({ describe: '100 requests per second', retryAfterSeconds: 2, limit: 100, remaining: 0 })
    if (refuse === 'bug') throw new Error('ECONNREFUSED 10.0.0.7:8000 at /srv/app/src/secret.ts:12')
    // A caller limited to one set: the one online read refuses it any other.
    call.principal = { id: 'limited', scopes: new Set(['online:read']), featureSets: new Set(['user_profile']), via: 'api-key' }
  })
  const doneCodes: string[] = []
  app.grpcCallHooks.onCallDone((_call, outcome) => doneCodes.push(outcome.codeName))

  const ok = await client.getOnlineFeatures(['user_1'], ['user_profile'], { metadata: { 'x-request-id': 'req-42' } })
  t.equal(ok.entity_ids[0], 'user_1')
  t.equal(seenHeaders.at(-1), 'req-42', 'hooks read request metadata')

  const denied = await failureOf(t, client.getOnlineFeatures(['user_1'], ['user_text:embedding']))
  t.equal(denied.code, status.PERMISSION_DENIED)
  t.match(denied.details, /user_text/)

  refuse = 'auth'
  const unauthenticated = await failureOf(t, client.getOnlineFeatures(['user_1'], ['user_profile'], { metadata: { 'x-request-id': 'req-43' } }))
  t.equal(unauthenticated.code, status.UNAUTHENTICATED)
  t.same(unauthenticated.metadata.get('x-request-id'), ['req-43'], 'response headers set by hooks come back as trailers on failure')

  refuse = 'rate'
  const limited = await failureOf(t, client.getRealtimeFeatures('user_1', ['user_profile']))
  t.equal(limited.code, status.RESOURCE_EXHAUSTED)
  t.same(limited.metadata.get('retry-after'), ['2'], 'rate limits say when to retry')

  refuse = 'bug'
  const internal = await failureOf(t, client.getOnlineFeatures(['user_1'], ['user_profile']))
  t.equal(internal.code, status.INTERNAL)
  t.equal(internal.details, 'Internal error')
  t.notMatch(JSON.stringify(internal.metadata.getMap()), /secret|ECONNREFUSED|\.ts/, 'no message, path or stack in trailers')
  refuse = 'none'
  t.same(doneCodes, ['OK', 'PERMISSION_DENIED', 'UNAUTHENTICATED', 'RESOURCE_EXHAUSTED', 'INTERNAL'], 'done hooks see every outcome')
})

t.test('UNAVAILABLE when the store cannot be reached', async (t) => {
  await app.featureStore.close()
  const error = await failureOf(t, client.getOnlineFeatures(['user_2'], ['user_profile']))
  t.equal(error.code, status.UNAVAILABLE)
  t.equal(error.details, 'The feature store is unavailable')
})
