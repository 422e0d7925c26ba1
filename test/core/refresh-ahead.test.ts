import t from 'tap'
import { CachedRowReader } from '../../src/core/rows/cached-row-reader.js'
import { RowCache } from '../../src/core/rows/row-cache.js'
import type { FeatureRow, RowRequest, RowResult } from '../../src/domain/feature-row.js'
import type { FeatureSetSpec } from '../../src/domain/feature-set-spec.js'
import type { ReadOptions } from '../../src/domain/read-options.js'
import { StoreUnavailableError } from '../../src/errors.js'

/**
 * Refresh-ahead (CACHE_REFRESH_AHEAD_MS): a row hit near the end of its TTL is answered from the
 * cache and read again in the background, so a row in use never expires under a caller.
 */

const SPEC: FeatureSetSpec = { name: 'profile', entityType: 'user', features: [{ name: 'age', type: 'double' }] }
const request = (entityId: string): RowRequest => ({ entityId, featureSet: SPEC, features: ['age'] })
const rowOf = (age: number): FeatureRow => ({ eventTime: age, values: new Map([['age', { type: 'double', value: age }]]), invalid: new Set() })
const ageOf = (row: RowResult): unknown => row !== undefined && !('unread' in row) ? row.values.get('age')?.value : row

/** A store whose answers the test sets, counting reads and holding them until released when asked to. */
class ScriptedStore {
  age = 1
  reads = 0
  failWith: Error | undefined
  hold: Promise<void> | undefined
  async readRows (requests: readonly RowRequest[], _options: ReadOptions): Promise<RowResult[]> {
    this.reads++
    const age = this.age
    const failure = this.failWith
    await this.hold
    if (failure !== undefined) throw failure
    return requests.map(() => rowOf(age))
  }
}

function setup (refreshAheadMs: number): { store: ScriptedStore, reader: CachedRowReader, cache: RowCache, clock: { now: number } } {
  // lru-cache takes a start time of 0 for "no TTL": the clock starts later, as performance.now() does.
  const clock = { now: START }
  const store = new ScriptedStore()
  const cache = new RowCache({ maxBytes: 1 << 20, ttlMs: 60_000, negativeTtlMs: 0, staleIfErrorMs: 0, refreshAheadMs, clock: () => clock.now })
  return { store, reader: new CachedRowReader(store, cache), cache, clock }
}

const START = 1_000_000
const settle = async (): Promise<void> => { for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve)) }

t.test('a row hit in its last CACHE_REFRESH_AHEAD_MS is answered from the cache and replaced in the background', async (t) => {
  const { store, reader, cache, clock } = setup(10_000)
  t.same((await reader.readRows([request('u1')], {})).map(ageOf), [1])
  t.equal(store.reads, 1)

  clock.now = START + 45_000
  await reader.readRows([request('u1')], {})
  await settle()
  t.equal(store.reads, 1, '15 s before its TTL: a plain hit')

  store.age = 2
  let released!: () => void
  store.hold = new Promise((resolve) => { released = resolve })
  clock.now = START + 55_000
  t.same((await reader.readRows([request('u1')], {})).map(ageOf), [1], '5 s before its TTL: answered at once, from the cache')
  t.same((await reader.readRows([request('u1')], {})).map(ageOf), [1], 'again, while the refresh is in flight')
  t.equal(store.reads, 2, 'one background read, not one per hit')
  released()
  await settle()
  t.equal(cache.stats().refreshes, 1, 'counted once')

  clock.now = START + 100_000
  t.same((await reader.readRows([request('u1')], {})).map(ageOf), [2], 'past the first TTL: the refreshed row, still a hit')
  t.equal(store.reads, 2, 'no read on the lookup path')
  t.equal(cache.stats().misses, 1, 'only the first lookup missed')
})

t.test('a row not looked up near its TTL expires as before; 0 turns refresh-ahead off', async (t) => {
  for (const refreshAheadMs of [10_000, 0]) {
    const { store, reader, clock } = setup(refreshAheadMs)
    await reader.readRows([request('u1')], {})
    clock.now = START + (refreshAheadMs === 0 ? 55_000 : 30_000)
    await reader.readRows([request('u1')], {})
    await settle()
    t.equal(store.reads, 1, `refresh-ahead ${refreshAheadMs}: no background read`)
    clock.now = START + 61_000
    await reader.readRows([request('u1')], {})
    t.equal(store.reads, 2, 'expired: read on the lookup path')
  }
})

t.test('a refresh started before an invalidation never puts its older row back', async (t) => {
  const { store, reader, clock } = setup(10_000)
  await reader.readRows([request('u1')], {})
  let released!: () => void
  store.hold = new Promise((resolve) => { released = resolve })
  clock.now = START + 55_000
  await reader.readRows([request('u1')], {})
  t.equal(store.reads, 2, 'the refresh is reading')
  reader.invalidateRows([{ featureSet: 'profile', entityId: 'u1' }])
  store.age = 3
  store.hold = undefined
  released()
  await settle()
  t.same((await reader.readRows([request('u1')], {})).map(ageOf), [3], 'the next lookup reads the row written after the invalidation')
  t.equal(store.reads, 3)
})

t.test('a refresh that fails leaves the cached row in place and is not an unhandled rejection', async (t) => {
  for (const failure of [new StoreUnavailableError('store down'), new Error('a bug below the cache')]) {
    const { store, reader, clock } = setup(10_000)
    await reader.readRows([request('u1')], {})
    store.failWith = failure
    clock.now = START + 55_000
    t.same((await reader.readRows([request('u1')], {})).map(ageOf), [1], `${failure.message}: answered from the cache`)
    await settle()
    t.equal(store.reads, 2, 'the refresh was tried')
    clock.now = START + 58_000
    t.same((await reader.readRows([request('u1')], {})).map(ageOf), [1], 'the row is still served until its TTL')
    await settle()
    t.equal(store.reads, 3, 'and tried again on a later hit')
  }
})
