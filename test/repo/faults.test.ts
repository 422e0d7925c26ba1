import t, { type Test } from 'tap'
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import type { FeatureSetSpec } from '../../src/domain/feature-set-spec.js'
import type { FeatureValue } from '../../src/domain/feature-value.js'
import { batchGetItems, type BatchGetContext } from '../../src/repo/batch-get.js'
import type { RowWrite } from '../../src/domain/ports/row-writer.js'
import { FeatureWriter, toItem, unwrittenKeys } from '../../src/repo/feature-writer.js'
import { Semaphore } from '../../src/lib/semaphore.js'
import { CountingObserver } from '../helpers/counting-observer.js'
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js'
import { storeBackends } from '../helpers/store-backends.js'
import { localClient, openTestStore, writeRows, readAll, type TestStore } from '../helpers/test-store.js'

/**
 * Throttling and UnprocessedKeys/UnprocessedItems, which no local server produces, injected by a
 * proxy in front of the real server; everything else about the calls is real.
 */
const SPEC: FeatureSetSpec = {
  name: 'scores',
  entityType: 'user',
  features: [{ name: 'score', type: 'double' }, { name: 'label', type: 'string' }, { name: 'blob', type: 'bytes' }]
}

function rowWriteFor (i: number): RowWrite {
  return {
    entityId: `u${i}`,
    featureSet: SPEC,
    eventTime: 1_000 + i,
    values: new Map<string, FeatureValue>([
      ['score', { type: 'double', value: i / 2 }],
      ['label', { type: 'string', value: `label ${i}` }],
      ['blob', { type: 'bytes', value: new Uint8Array(64).fill(i % 256) }]
    ])
  }
}

function rowFor (i: number): Record<string, AttributeValue> {
  return toItem(rowWriteFor(i))
}

function contextFor (t: Test, proxy: FaultProxy, table: string, observer: CountingObserver,
  { maxAttempts = 3, maxUnprocessedRetries = 3 } = {}): BatchGetContext {
  const client = localClient(t, proxy.endpoint, { maxAttempts })
  return { client, table, semaphore: new Semaphore(8), observer, retryBaseMs: 1, maxUnprocessedRetries }
}

const keys = (from: number, to: number): Array<{ entityId: string, featureSet: string }> =>
  Array.from({ length: to - from }, (_, i) => ({ entityId: `u${from + i}`, featureSet: SPEC.name }))

const soon = (ms = 10_000): { deadlineAt: number } => ({ deadlineAt: Date.now() + ms })

for (const backend of storeBackends()) {
  t.test(backend.name, async (t) => {
    const endpoint = await backend.start(t)
    const store: TestStore = await openTestStore(t, endpoint)
    await writeRows(store.writer, Array.from({ length: 120 }, (_, i) => rowWriteFor(i)))

    t.test('UnprocessedKeys are retried with the projection re-attached', async (t) => {
      const proxy = await startFaultProxy(t, endpoint)
      // First call: the store takes 30 keys and hands 70 back without their projection (as dynalite does).
      proxy.decide = (operation, _body, index) => operation === 'BatchGetItem' && index === 0 ? { kind: 'unprocess', keep: 30 } : { kind: 'forward' }
      const observer = new CountingObserver()
      const { items } = await batchGetItems(contextFor(t, proxy, store.featureTable, observer), keys(0, 100), ['score'], soon())
      t.equal(items.size, 100, 'every key answered')
      const calls = proxy.requestsFor('BatchGetItem')
      t.equal(calls.length, 2, 'one retry round')
      t.equal(observer.unprocessedKeys, 70)
      const [first, retry] = calls.map((call) => (call.body.RequestItems as Record<string, Record<string, unknown>>)[store.featureTable]!)
      t.equal((retry!.Keys as unknown[]).length, 70, 'only the unprocessed keys are asked again')
      t.equal(retry!.ProjectionExpression, first!.ProjectionExpression, 'the retry keeps the projection')
      t.same(retry!.ExpressionAttributeNames, first!.ExpressionAttributeNames)
      for (const [, item] of items) {
        t.same(Object.keys(item).sort(), ['_e', '_s', '_t', 'score'], `only projected attributes for ${item._e?.S}`)
      }
      t.equal(items.get(`${SPEC.name}\u0000u99`)?.score?.N, '49.5')
    })

    t.test('UnprocessedKeys that never clear end in StoreThrottledError', async (t) => {
      const proxy = await startFaultProxy(t, endpoint)
      proxy.decide = (operation) => operation === 'BatchGetItem' ? { kind: 'unprocess', keep: 0 } : { kind: 'forward' }
      const observer = new CountingObserver()
      await t.rejects(batchGetItems(contextFor(t, proxy, store.featureTable, observer, { maxUnprocessedRetries: 3 }), keys(0, 10), undefined, soon()),
        { code: 'FG_ERR_STORE_THROTTLED', kind: 'resource_exhausted' })
      t.equal(proxy.requestsFor('BatchGetItem').length, 4, 'the first call and three retries')
      t.equal(observer.throttles, 1)
    })

    t.test('answers cut short that still bring rows are retried past the limit: only rounds that bring none count', async (t) => {
      const proxy = await startFaultProxy(t, endpoint)
      // Every call takes 2 keys and hands the rest back, as a store does when large rows fill its answer.
      proxy.decide = (operation) => operation === 'BatchGetItem' ? { kind: 'unprocess', keep: 2 } : { kind: 'forward' }
      const observer = new CountingObserver()
      const { items, failed } = await batchGetItems(contextFor(t, proxy, store.featureTable, observer, { maxUnprocessedRetries: 3 }), keys(0, 12), ['score'], soon())
      t.equal(items.size, 12, 'every key answered')
      t.equal(failed.size, 0)
      t.equal(proxy.requestsFor('BatchGetItem').length, 6, 'six rounds of two keys, twice the retry limit')
      t.equal(observer.throttles, 0, 'not taken for throttling')
    })

    t.test('a chunk throttled past its retries fails only its own keys; what was read is kept', async (t) => {
      const proxy = await startFaultProxy(t, endpoint)
      const seen = new Set<string>()
      // The chunk holding u110 (the second of two) keeps 5 keys on its first call, then none.
      proxy.decide = (operation, body) => {
        if (operation !== 'BatchGetItem' || !JSON.stringify(body).includes('"u110"')) return { kind: 'forward' }
        const first = !seen.has('u110')
        seen.add('u110')
        return { kind: 'unprocess', keep: first ? 5 : 0 }
      }
      const { items, failed } = await batchGetItems(contextFor(t, proxy, store.featureTable, new CountingObserver(), { maxUnprocessedRetries: 2 }), keys(0, 120), ['score'], soon())
      t.equal(items.size, 105, 'the first chunk, and the 5 keys the failing chunk did read')
      t.equal(failed.size, 15)
      for (const error of failed.values()) t.equal(error.code, 'FG_ERR_STORE_THROTTLED')
      for (const id of failed.keys()) t.notOk(items.has(id))
    })

    t.test('a throttled call is retried by the client and then succeeds', async (t) => {
      const proxy = await startFaultProxy(t, endpoint)
      proxy.decide = (operation, _body, index) => operation === 'BatchGetItem' && index < 2 ? { kind: 'throttle' } : { kind: 'forward' }
      const observer = new CountingObserver()
      const { items } = await batchGetItems(contextFor(t, proxy, store.featureTable, observer, { maxAttempts: 3 }), keys(0, 5), ['label'], soon())
      t.equal(items.size, 5)
      t.equal(items.get(`${SPEC.name}\u0000u3`)?.label?.S, 'label 3')
      const calls = proxy.requestsFor('BatchGetItem')
      t.same(calls.map((call) => call.fault), ['throttle', 'throttle', 'forward'])
      t.same(calls[2]!.body, calls[0]!.body, 'the retried request is the same request, projection included')
      t.same(observer.calls, [{ operation: 'BatchGetItem', outcome: 'ok' }])
    })

    t.test('throttling that does not stop ends in StoreThrottledError after the configured attempts', async (t) => {
      const proxy = await startFaultProxy(t, endpoint)
      proxy.decide = (operation) => operation === 'BatchGetItem' ? { kind: 'throttle' } : { kind: 'forward' }
      const observer = new CountingObserver()
      await t.rejects(batchGetItems(contextFor(t, proxy, store.featureTable, observer, { maxAttempts: 3 }), keys(0, 5), undefined, soon()),
        { code: 'FG_ERR_STORE_THROTTLED', kind: 'resource_exhausted', message: 'The feature store is throttling reads; retry with backoff' })
      t.equal(proxy.requestsFor('BatchGetItem').length, 3)
      t.same(observer.calls, [{ operation: 'BatchGetItem', outcome: 'FG_ERR_STORE_THROTTLED' }])
      t.equal(observer.throttles, 1)
    })

    t.test('a deadline that passes gives DeadlineExceededError and aborts the HTTP call', async (t) => {
      const proxy = await startFaultProxy(t, endpoint)
      proxy.decide = (operation) => operation === 'BatchGetItem' ? { kind: 'hang' } : { kind: 'forward' }
      const observer = new CountingObserver()
      await t.rejects(batchGetItems(contextFor(t, proxy, store.featureTable, observer), keys(0, 5), undefined, soon(200)),
        { code: 'FG_ERR_DEADLINE_EXCEEDED', kind: 'deadline_exceeded' })
      t.equal(await proxy.aborted, 1, 'the proxy saw the client close the request')
      t.equal(proxy.requestsFor('BatchGetItem').length, 1, 'no retry past the deadline')
    })

    t.test('a caller that cancels aborts the HTTP call too', async (t) => {
      const proxy = await startFaultProxy(t, endpoint)
      proxy.decide = (operation) => operation === 'BatchGetItem' ? { kind: 'hang' } : { kind: 'forward' }
      const controller = new AbortController()
      const read = batchGetItems(contextFor(t, proxy, store.featureTable, new CountingObserver()), keys(0, 5), undefined, { signal: controller.signal, ...soon() })
      setTimeout(() => controller.abort(), 50)
      await t.rejects(read, { code: 'FG_ERR_DEADLINE_EXCEEDED' })
      t.equal(await proxy.aborted, 1)
    })

    t.test('through the whole repository: a retried read keeps its projection and its answer', async (t) => {
      const proxy = await startFaultProxy(t, endpoint)
      const viaProxy = await openTestStore(t, proxy.endpoint, {
        env: { FEATURE_TABLE: store.featureTable, REGISTRY_TABLE: store.registryTable, CACHE_ENABLED: 'false' }
      })
      proxy.decide = (operation, _body, index) => operation === 'BatchGetItem' && index === 0 ? { kind: 'unprocess', keep: 1 } : { kind: 'forward' }
      const rows = await readAll(viaProxy.rows, keys(10, 14).map(({ entityId }) => ({ entityId, featureSet: SPEC, features: ['score'] })), soon())
      t.same(rows.map((row) => row?.values.get('score')), [10, 11, 12, 13].map((i) => ({ type: 'double', value: i / 2 })))
      t.same(rows.map((row) => [...row!.values.keys()]), [['score'], ['score'], ['score'], ['score']], 'no unrequested features after the retry')
      t.equal(proxy.requestsFor('BatchGetItem').length, 2)
    })

    t.test('single flight: a joiner with time left is not failed by the first caller\'s deadline', async (t) => {
      const proxy = await startFaultProxy(t, endpoint)
      const viaProxy = await openTestStore(t, proxy.endpoint, {
        env: { FEATURE_TABLE: store.featureTable, REGISTRY_TABLE: store.registryTable, CACHE_ENABLED: 'true', BATCH_ENABLED: 'false' }
      })
      // The first read of the row never answers; any later one goes through.
      proxy.decide = (operation, _body, index) => operation === 'BatchGetItem' && index === 0 ? { kind: 'hang' } : { kind: 'forward' }
      const request = { entityId: 'u7', featureSet: SPEC, features: undefined }
      const hasty = readAll(viaProxy.rows, [request], soon(150))
      const patient = readAll(viaProxy.rows, [request], soon(10_000))
      await t.rejects(hasty, { code: 'FG_ERR_DEADLINE_EXCEEDED' })
      const [row] = await patient
      t.same(row?.values.get('score'), { type: 'double', value: 3.5 }, 'the patient caller read the row itself')
      t.same(proxy.requestsFor('BatchGetItem').map((r) => r.fault), ['hang', 'forward'])
    })

    t.test('UnprocessedItems on write are retried until every row is stored', async (t) => {
      const proxy = await startFaultProxy(t, endpoint)
      // Each call stores only 10 of its rows; the writer must come back for the rest.
      proxy.decide = (operation) => operation === 'BatchWriteItem' ? { kind: 'unprocess', keep: 10 } : { kind: 'forward' }
      const client = localClient(t, proxy.endpoint)
      const writer = new FeatureWriter(client, store.featureTable, { retryBaseMs: 1, maxUnprocessedRetries: 5 })
      await writer.writeItems(Array.from({ length: 30 }, (_, i) => rowFor(1_000 + i)))
      const writes = proxy.requestsFor('BatchWriteItem').map((call) => ((call.body.RequestItems as Record<string, unknown[]>)[store.featureTable]!).length)
      t.same(writes, [25, 15, 5, 5], '25-item chunks, then the leftovers')
      const { items } = await batchGetItems(contextFor(t, await startFaultProxy(t, endpoint), store.featureTable, new CountingObserver()), keys(1_000, 1_030), undefined, soon())
      t.equal(items.size, 30, 'every row is in the store')
    })

    t.test('a write whose connection goes silent fails after the idle timeout instead of hanging', async (t) => {
      const proxy = await startFaultProxy(t, endpoint)
      proxy.decide = (operation) => operation === 'BatchWriteItem' ? { kind: 'hang' } : { kind: 'forward' }
      const writer = new FeatureWriter(localClient(t, proxy.endpoint, { maxAttempts: 1, idleTimeoutMs: 200 }), store.featureTable, { retryBaseMs: 1, maxUnprocessedRetries: 2 })
      const error = await writer.writeItems([rowFor(3_000), rowFor(3_001)]).then(() => undefined, (e: unknown) => e)
      t.match(error, { name: 'TimeoutError' })
      t.same(unwrittenKeys(error)?.map((key) => key.entityId), ['u3000', 'u3001'], 'both rows named unwritten')
      t.equal(await proxy.aborted, 1, 'the socket was closed')
    })

    t.test('rows a write could not store are named, never dropped silently', async (t) => {
      const proxy = await startFaultProxy(t, endpoint)
      let calls = 0
      // First chunk: 20 stored, then 5 stay unprocessed for good.
      proxy.decide = (operation) => operation === 'BatchWriteItem' ? (calls++ === 0 ? { kind: 'unprocess', keep: 20 } : { kind: 'unprocess', keep: 0 }) : { kind: 'forward' }
      const client = localClient(t, proxy.endpoint, { maxAttempts: 1 })
      const writer = new FeatureWriter(client, store.featureTable, { retryBaseMs: 1, maxUnprocessedRetries: 2 })
      const error = await writer.writeItems(Array.from({ length: 40 }, (_, i) => rowFor(2_000 + i))).then(() => undefined, (e: unknown) => e)
      t.match(error, { code: 'FG_ERR_STORE_THROTTLED' })
      const left = unwrittenKeys(error)?.map((key) => key.entityId)
      t.same(left, [...Array.from({ length: 5 }, (_, i) => `u${2_020 + i}`), ...Array.from({ length: 15 }, (_, i) => `u${2_025 + i}`)],
        'the chunk\'s leftovers and every later row')
      const { items } = await batchGetItems(contextFor(t, await startFaultProxy(t, endpoint), store.featureTable, new CountingObserver()), keys(2_000, 2_040), undefined, soon())
      t.same([...items.values()].map((item) => item._e?.S).sort(), Array.from({ length: 20 }, (_, i) => `u${2_000 + i}`).sort(), 'exactly the others are stored')
    })
  })
}
