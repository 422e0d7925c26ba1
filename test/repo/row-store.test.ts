import t, { type Test } from 'tap'
import type { FeatureSetSpec } from '../../src/domain/feature-set-spec.js'
import type { FeatureValue } from '../../src/domain/feature-value.js'
import { batchGetItems } from '../../src/repo/batch-get.js'
import type { FeatureRow, RowRequest } from '../../src/domain/feature-row.js'
import { Semaphore } from '../../src/lib/semaphore.js'
import { CountingObserver } from '../helpers/counting-observer.js'
import { storeBackends } from '../helpers/store-backends.js'
import { localClient, openTestStore, writeRows, readAll, type TestStore } from '../helpers/test-store.js'

/** Chunking, batching across callers, single flight and the byte-bounded cache, counted in real store calls. */
const SPEC: FeatureSetSpec = {
  name: 'docs',
  entityType: 'doc',
  features: [{ name: 'embedding', type: 'float_vector', dimension: 64 }, { name: 'title', type: 'string' }]
}
const USERS = 300

function vectorFor (i: number): Float32Array {
  return Float32Array.from({ length: 64 }, (_, k) => Math.sin(i * 64 + k))
}

function request (i: number, features?: string[]): RowRequest {
  return { entityId: `d${i}`, featureSet: SPEC, features }
}

const soon = (): { deadlineAt: number } => ({ deadlineAt: Date.now() + 10_000 })

function titleOf (row: FeatureRow | undefined): unknown {
  const title = row?.values.get('title')
  return title?.type === 'string' ? title.value : title
}

async function seed (store: TestStore): Promise<void> {
  await writeRows(store.writer, Array.from({ length: USERS }, (_, i) => ({
    entityId: `d${i}`,
    featureSet: SPEC,
    eventTime: 1_700_000_000_000 + i,
    values: new Map<string, FeatureValue>([['embedding', { type: 'float_vector', value: vectorFor(i) }], ['title', { type: 'string', value: `doc ${i}` }]])
  })))
}

for (const backend of storeBackends()) {
  t.test(backend.name, async (t) => {
    const endpoint = await backend.start(t)
    const seeded = await openTestStore(t, endpoint)
    await seed(seeded)
    /** Another view of the same tables, with its own settings and its own call counter. */
    const open = async (t: Test, env: Record<string, string>, clock?: () => number): Promise<{ store: TestStore, observer: CountingObserver }> => {
      const observer = new CountingObserver()
      const store = await openTestStore(t, endpoint, {
        env: { FEATURE_TABLE: seeded.featureTable, REGISTRY_TABLE: seeded.registryTable, ...env },
        observer,
        ...(clock !== undefined && { clock })
      })
      observer.reset() // forget the start-up calls
      return { store, observer }
    }

    t.test('250 keys in one call go out as three BatchGetItem calls of at most 100', async (t) => {
      const observer = new CountingObserver()
      const context = { client: localClient(t, endpoint), table: seeded.featureTable, semaphore: new Semaphore(4), observer, retryBaseMs: 1, maxUnprocessedRetries: 3 }
      const { items } = await batchGetItems(context, Array.from({ length: 250 }, (_, i) => ({ entityId: `d${i}`, featureSet: SPEC.name })), ['title'], soon())
      t.equal(items.size, 250)
      t.equal(observer.batchGetCalls, 3)
      t.same(observer.batchGets.map((call) => call.keys).sort((a, b) => b - a), [100, 100, 50])
    })

    t.test('duplicate keys are asked for once', async (t) => {
      const observer = new CountingObserver()
      const context = { client: localClient(t, endpoint), table: seeded.featureTable, semaphore: new Semaphore(4), observer, retryBaseMs: 1, maxUnprocessedRetries: 3 }
      const keys = [...Array.from({ length: 100 }, (_, i) => ({ entityId: `d${i}`, featureSet: SPEC.name })), { entityId: 'd5', featureSet: SPEC.name }, { entityId: 'd7', featureSet: SPEC.name }]
      const { items } = await batchGetItems(context, keys, undefined, soon())
      t.equal(items.size, 100)
      t.same(observer.batchGets.map((call) => call.keys), [100], 'one call of 100 distinct keys, not two')
    })

    for (const cache of ['on', 'off']) {
      t.test(`N concurrent single-key lookups make ceil(N/100) calls with the batcher (cache ${cache})`, async (t) => {
        const { store, observer } = await open(t, { BATCH_ENABLED: 'true', CACHE_ENABLED: cache === 'on' ? 'true' : 'false' })
        const n = 250
        const rows = await Promise.all(Array.from({ length: n }, async (_, i) => await readAll(store.rows, [request(i, ['title'])], soon())))
        t.same(rows.map(([row]) => titleOf(row)), Array.from({ length: n }, (_, i) => `doc ${i}`), 'each caller got its own row')
        t.equal(observer.batchGetCalls, Math.ceil(n / 100))
        t.same(observer.batchGets.map((call) => call.lookupsMerged), [100, 100, 50])
      })
    }

    t.test('without the batcher the same lookups make one call each (the comparison)', async (t) => {
      const { store, observer } = await open(t, { BATCH_ENABLED: 'false', CACHE_ENABLED: 'false' })
      await Promise.all(Array.from({ length: 30 }, async (_, i) => await readAll(store.rows, [request(i, ['title'])], soon())))
      t.equal(observer.batchGetCalls, 30)
    })

    t.test('merged lookups with different projections each get what they asked for', async (t) => {
      const { store, observer } = await open(t, { BATCH_ENABLED: 'true', CACHE_ENABLED: 'false' })
      const [a, b] = await Promise.all([readAll(store.rows, [request(1, ['title'])], soon()), readAll(store.rows, [request(1, ['embedding']), request(2, ['embedding'])], soon())])
      t.equal(observer.batchGetCalls, 1)
      t.equal(titleOf(a[0]), 'doc 1')
      const embedding = b[0]?.values.get('embedding')
      t.same(embedding?.type === 'float_vector' ? [...embedding.value] : undefined, [...vectorFor(1)])
      t.ok(b[1]?.values.has('embedding'))
    })

    t.test('single flight: concurrent misses for one key make one read', async (t) => {
      const { store, observer } = await open(t, { CACHE_ENABLED: 'true', BATCH_ENABLED: 'false' })
      const rows = await Promise.all(Array.from({ length: 20 }, async () => await readAll(store.rows, [request(42)], soon())))
      t.ok(rows.every(([row]) => titleOf(row) === 'doc 42'))
      t.equal(observer.batchGetCalls, 1)
      t.same(observer.batchGets.map((call) => call.keys), [1])
      t.match(store.rows.cacheStats(), { misses: 20, entries: 1 }, 'twenty cache misses, one shared read')
    })

    t.test('the cache answers repeat reads, remembers missing rows, and is bounded by bytes', async (t) => {
      const maxBytes = 16 * 1024 // room for a few dozen rows of a 64-dimension embedding
      const { store, observer } = await open(t, { CACHE_ENABLED: 'true', CACHE_MAX_BYTES: String(maxBytes), BATCH_ENABLED: 'false' })
      await readAll(store.rows, [request(0), request(1), request(999_999)], soon())
      t.equal(observer.batchGetCalls, 1)
      const again = await readAll(store.rows, [request(0), request(1), request(999_999)], soon())
      t.equal(observer.batchGetCalls, 1, 'hits and the negative entry need no store call')
      t.equal(titleOf(again[0]), 'doc 0')
      t.equal(again[2], undefined, 'a missing row stays missing')

      await readAll(store.rows, Array.from({ length: 200 }, (_, i) => request(i)), soon())
      const stats = store.rows.cacheStats()!
      t.ok(stats.bytes <= maxBytes, `cache holds ${stats.bytes} bytes, at most ${maxBytes}`)
      t.ok(stats.evictions > 0, `${stats.evictions} rows evicted`)
      t.ok(stats.entries < 200, `${stats.entries} rows kept`)
      observer.reset()
      await readAll(store.rows, [request(199)], soon())
      t.equal(observer.batchGetCalls, 0, 'the most recent row is still cached')
      await readAll(store.rows, [request(2)], soon())
      t.equal(observer.batchGetCalls, 1, 'an early row was evicted and is read again')
    })

    t.test('cached rows and missing entries expire after their TTLs', async (t) => {
      let now = 1_000_000
      const { store, observer } = await open(t, { CACHE_ENABLED: 'true', CACHE_TTL_MS: '60000', CACHE_NEGATIVE_TTL_MS: '5000', BATCH_ENABLED: 'false' }, () => now)
      await readAll(store.rows, [request(3), request(999_999)], soon())
      t.equal(observer.batchGetCalls, 1)
      now += 4_999
      await readAll(store.rows, [request(3), request(999_999)], soon())
      t.equal(observer.batchGetCalls, 1, 'both still cached just before the negative TTL')
      now += 2
      await readAll(store.rows, [request(3), request(999_999)], soon())
      t.same(observer.batchGets.at(-1), { keys: 1, lookupsMerged: 1 }, 'only the missing entry expired')
      now += 60_000
      observer.reset()
      const [row] = await readAll(store.rows, [request(3)], soon())
      t.equal(observer.batchGetCalls, 1, 'the row expired too and is read again')
      t.equal(titleOf(row), 'doc 3')
    })

    t.test('invalidate() forgets cached rows so a new write is seen', async (t) => {
      const { store, observer } = await open(t, { CACHE_ENABLED: 'true', BATCH_ENABLED: 'true' })
      const other = await openTestStore(t, endpoint, { env: { FEATURE_TABLE: seeded.featureTable, REGISTRY_TABLE: seeded.registryTable } })
      t.equal(titleOf((await readAll(store.rows, [request(290)], soon()))[0]), 'doc 290')
      await writeRows(other.writer, [{ entityId: 'd290', featureSet: SPEC, eventTime: 1, values: new Map([['title', { type: 'string', value: 'rewritten' }]]) }])
      t.equal(titleOf((await readAll(store.rows, [request(290)], soon()))[0]), 'doc 290', 'served from cache until invalidated')
      store.rows.invalidate()
      t.equal(titleOf((await readAll(store.rows, [request(290)], soon()))[0]), 'rewritten')
      t.equal(observer.batchGetCalls, 2)
    })

    t.test('invalidateRows() forgets exactly the named rows, and a read in flight does not put the old row back', async (t) => {
      const { store, observer } = await open(t, { CACHE_ENABLED: 'true', BATCH_ENABLED: 'true' })
      const other = await openTestStore(t, endpoint, { env: { FEATURE_TABLE: seeded.featureTable, REGISTRY_TABLE: seeded.registryTable } })
      await readAll(store.rows, [request(291), request(292)], soon())
      const calls = observer.batchGetCalls
      await writeRows(other.writer, [291, 292].map((i) => ({ entityId: `d${i}`, featureSet: SPEC, eventTime: 2, values: new Map([['title', { type: 'string' as const, value: `new ${i}` }]]) })))
      store.rows.invalidateRows([{ featureSet: SPEC.name, entityId: 'd291' }])
      const [first, second] = await readAll(store.rows, [request(291), request(292)], soon())
      t.equal(titleOf(first), 'new 291', 'the named row is read again')
      t.equal(titleOf(second), 'doc 292', 'another row stays cached')
      t.equal(observer.batchGetCalls, calls + 1)

      // A read that started before the invalidation answers its caller but is not cached.
      const inflight = readAll(store.rows, [request(293)], soon())
      store.rows.invalidateRows([{ featureSet: SPEC.name, entityId: 'd293' }])
      await inflight
      const before = observer.batchGetCalls
      await readAll(store.rows, [request(293)], soon())
      t.equal(observer.batchGetCalls, before + 1, 'the row read before the invalidation was not cached')
    })
  })
}
