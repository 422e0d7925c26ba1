import t, { type Test } from 'tap'
import { FeatureLookup, type FeatureResult } from '../../src/core/feature-lookup.js'
import { FeatureRegistry } from '../../src/core/feature-registry.js'
import { demoRowsFor, demoUserId } from '../../src/demo/demo-data.js'
import { loadDemoData } from '../../src/demo/load-demo-data.js'
import type { FeatureValue } from '../../src/domain/feature-value.js'
import { onlineRows } from '../../src/core/rows/online-rows.js'
import { openFeatureStore } from '../../src/repo/open-feature-store.js'
import { testConfig } from '../helpers/build-app.js'
import { CountingObserver } from '../helpers/counting-observer.js'

/**
 * The one lookup both protocols call, on the real embedded store with demo data written at a pinned
 * `now`; every expected value is recomputed independently with demoRowsFor().
 */
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0)
const SEED = 42
const USERS = 300
const DAY = 24 * 3600 * 1000
const ALL_SETS = ['user_text', 'user_profile', 'user_word_stats']

interface Setup {
  readonly lookup: FeatureLookup
  readonly observer: CountingObserver
  /** Forgets the row cache, for tests that must see store calls. */
  readonly forget: () => void
}

async function setUp (t: Test, env: Record<string, string> = {}): Promise<Setup> {
  const observer = new CountingObserver()
  // Lookups of thousands of rows on a loaded 2-core CI machine: deadlines are tested elsewhere, not by accident here.
  const config = testConfig({ DEMO_USERS: '0', DEFAULT_DEADLINE_MS: '30000', ...env })
  const store = await openFeatureStore({ store: config.store, observer })
  t.teardown(async () => await store.close())
  await loadDemoData(store, USERS, SEED, NOW)
  const registry = new FeatureRegistry(store.registry)
  await registry.reload()
  observer.reset()
  const rows = onlineRows(store.rows, config)
  return { lookup: new FeatureLookup(registry, rows, config.limits), observer, forget: () => rows.invalidate() }
}

/** What the lookup must say for user `index`, feature `set:feature`, at `now`. */
function expected (index: number, set: string, feature: string, now = NOW): { status: string, value: unknown, eventTime: number | undefined } {
  const row = demoRowsFor(index, SEED, NOW).find((r) => r.featureSet.name === set)
  if (row === undefined) return { status: 'NOT_FOUND', value: null, eventTime: undefined }
  const value = row.values.get(feature)
  if (value === null) return { status: 'NULL_VALUE', value: null, eventTime: row.eventTime }
  const maxAge = row.featureSet.maxAgeSeconds
  const stale = maxAge !== undefined && now - row.eventTime > maxAge * 1000
  return { status: stale ? 'STALE' : 'PRESENT', value: canonical(value!), eventTime: row.eventTime }
}

/** Exact form for comparison: bigint as text, vectors as their bytes. */
function canonical (value: FeatureValue | null): unknown {
  if (value === null) return null
  switch (value.type) {
    case 'int64': return `${value.value}n`
    case 'int64_list': return value.value.map((n) => `${n}n`)
    case 'float_vector': return Buffer.from(value.value.buffer, value.value.byteOffset, value.value.byteLength).toString('base64')
    case 'bytes': return Buffer.from(value.value).toString('base64')
    default: return value.value
  }
}

function actual (result: FeatureResult): { status: string, value: unknown, eventTime: number | undefined } {
  return { status: result.status, value: canonical(result.value), eventTime: result.eventTime }
}

function findUser (predicate: (index: number) => boolean): number {
  for (let i = 0; i < USERS; i++) if (predicate(i)) return i
  throw new Error('no demo user fits')
}

t.test('cache and batcher on (the defaults)', async (t) => {
  const { lookup, observer, forget } = await setUp(t)
  const ids = Array.from({ length: USERS }, (_, i) => demoUserId(i))

  t.test('every demo value, status and event time matches demoRowsFor', async (t) => {
    const result = await lookup.getFeatures(ids, ALL_SETS, { now: NOW })
    t.same(result.features.map((f) => f.ref), [
      'user_text:embedding', 'user_text:sentiment_score', 'user_text:top_terms', 'user_profile:region', 'user_profile:last_active',
      'user_word_stats:token_count', 'user_word_stats:avg_word_length', 'user_word_stats:is_multilingual', 'user_word_stats:length_histogram'
    ], 'whole-set references expand to every feature, in declared order')
    const statuses = new Map<string, number>()
    let mismatches = 0
    for (const [i, entity] of result.entities.entries()) {
      t.equal(entity.entityId, ids[i])
      for (const [c, feature] of result.features.entries()) {
        const want = expected(i, feature.featureSet.name, feature.feature.name)
        const got = actual(entity.results[c]!)
        statuses.set(got.status, (statuses.get(got.status) ?? 0) + 1)
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          mismatches++
          if (mismatches <= 5) t.same(got, want, `${ids[i]} ${feature.ref}`)
        }
      }
    }
    t.equal(mismatches, 0, `all ${USERS * result.features.length} results as expected`)
    for (const status of ['PRESENT', 'STALE', 'NULL_VALUE', 'NOT_FOUND']) t.ok((statuses.get(status) ?? 0) > 0, `the demo data has ${status} results`)
  })

  t.test('an embedding comes back bit for bit', async (t) => {
    const index = findUser((i) => demoRowsFor(i, SEED, NOW).some((r) => r.featureSet.name === 'user_text'))
    const result = await lookup.getFeatures([demoUserId(index)], ['user_text:embedding'], { now: NOW })
    const value = result.entities[0]!.results[0]!.value
    const want = demoRowsFor(index, SEED, NOW).find((r) => r.featureSet.name === 'user_text')!.values.get('embedding')
    if (value?.type !== 'float_vector' || want?.type !== 'float_vector') return t.fail('no embedding')
    t.equal(value.value.length, 256)
    t.equal(Buffer.compare(Buffer.from(value.value.buffer, value.value.byteOffset, value.value.byteLength), Buffer.from(want.value.buffer)), 0)
  })

  t.test('duplicate ids are answered in request order, read once', async (t) => {
    forget()
    observer.reset()
    const result = await lookup.getFeatures(['user_250', 'user_251', 'user_250', 'user_250'], ['user_profile:region'], { now: NOW })
    t.same(result.entities.map((e) => e.entityId), ['user_250', 'user_251', 'user_250', 'user_250'])
    t.same(result.entities[2], result.entities[0])
    t.same(observer.batchGets.map((b) => b.keys), [2], 'two distinct keys, one call')
  })

  t.test('missing entities, and entities missing from one feature set', async (t) => {
    const noText = findUser((i) => !demoRowsFor(i, SEED, NOW).some((r) => r.featureSet.name === 'user_text') && demoRowsFor(i, SEED, NOW).some((r) => r.featureSet.name === 'user_profile'))
    const result = await lookup.getFeatures(['user_99999', demoUserId(noText)], ['user_text:sentiment_score', 'user_profile:region'], { now: NOW })
    t.same(result.entities[0]!.results, [
      { status: 'NOT_FOUND', value: null, eventTime: undefined },
      { status: 'NOT_FOUND', value: null, eventTime: undefined }
    ])
    t.same(actual(result.entities[1]!.results[0]!), { status: 'NOT_FOUND', value: null, eventTime: undefined })
    t.same(actual(result.entities[1]!.results[1]!), expected(noText, 'user_profile', 'region'))
    observer.reset()
    await lookup.getFeatures(['user_99999'], ['user_text:sentiment_score'], { now: NOW })
    t.equal(observer.batchGetCalls, 0, 'a missing entity is remembered (negative cache)')
  })

  t.test('unknown feature sets and features are errors naming them, before any store call', async (t) => {
    observer.reset()
    await t.rejects(lookup.getFeatures(['user_1'], ['user_text:sentiment_score', 'user_txt:embedding']), { code: 'FG_ERR_UNKNOWN_FEATURE_SET', message: 'Unknown feature set "user_txt"' })
    await t.rejects(lookup.getFeatures(['user_1'], ['user_text:sentimnt']), { code: 'FG_ERR_UNKNOWN_FEATURE', message: 'Unknown feature "sentimnt" in feature set "user_text"' })
    await t.rejects(lookup.getFeatures(['user_1'], ['user_text:a:b']), { code: 'FG_ERR_INVALID_FEATURE_REF' })
    await t.rejects(lookup.getFeatures(['user_1'], [':x']), { code: 'FG_ERR_INVALID_FEATURE_REF' })
    t.equal(observer.calls.length, 0)
  })

  t.test('a projection returns exactly the requested columns, in request order', async (t) => {
    const result = await lookup.getFeatures(['user_3'], ['user_profile:region', 'user_text:top_terms', 'user_profile:region'], { now: NOW })
    t.same(result.features.map((f) => f.ref), ['user_profile:region', 'user_text:top_terms', 'user_profile:region'])
    t.same(result.entities[0]!.results.map(actual), [expected(3, 'user_profile', 'region'), expected(3, 'user_text', 'top_terms'), expected(3, 'user_profile', 'region')])
  })

  t.test('values past the set\'s maximum age are STALE, still with their value and event time', async (t) => {
    const stale = findUser((i) => expected(i, 'user_text', 'top_terms').status === 'STALE')
    const fresh = findUser((i) => expected(i, 'user_text', 'top_terms').status === 'PRESENT')
    const result = await lookup.getFeatures([demoUserId(stale), demoUserId(fresh)], ['user_text:top_terms'], { now: NOW })
    t.same(actual(result.entities[0]!.results[0]!), expected(stale, 'user_text', 'top_terms'))
    t.not(result.entities[0]!.results[0]!.value, null, 'a stale value is still returned')
    t.equal(result.entities[1]!.results[0]!.status, 'PRESENT')
    // The boundary, with `now` pinned: exactly seven days old is fresh, one millisecond more is stale.
    const eventTime = result.entities[1]!.results[0]!.eventTime!
    const at = async (now: number): Promise<string> => (await lookup.getFeatures([demoUserId(fresh)], ['user_text:top_terms'], { now })).entities[0]!.results[0]!.status
    t.equal(await at(eventTime + 7 * DAY), 'PRESENT')
    t.equal(await at(eventTime + 7 * DAY + 1), 'STALE')
    t.equal((await lookup.getFeatures([demoUserId(fresh)], ['user_profile:region'], { now: NOW + 10_000 * DAY })).entities[0]!.results[0]!.status, 'PRESENT', 'a set without a maximum age is never stale')
  })

  t.test('a value stored as null is NULL_VALUE, with the row\'s event time', async (t) => {
    const nullUser = findUser((i) => expected(i, 'user_text', 'sentiment_score').status === 'NULL_VALUE')
    const result = await lookup.getFeatures([demoUserId(nullUser)], ['user_text:sentiment_score', 'user_text:top_terms'], { now: NOW })
    t.same(actual(result.entities[0]!.results[0]!), expected(nullUser, 'user_text', 'sentiment_score'))
    t.equal(result.entities[0]!.results[0]!.eventTime, result.entities[0]!.results[1]!.eventTime)
  })

  t.test('limits and bad ids are refused before any store call', async (t) => {
    observer.reset()
    const many = Array.from({ length: 1_001 }, (_, i) => `user_${i}`)
    await t.rejects(lookup.getFeatures(many, ['user_text:top_terms']), { code: 'FG_ERR_LIMIT_EXCEEDED', message: 'Too many entity ids: 1001 requested, the limit is 1000' })
    await t.rejects(lookup.getFeatures([], ['user_text:top_terms']), { code: 'FG_ERR_MISSING_ARGUMENT', message: 'At least one entity id is required' })
    await t.rejects(lookup.getFeatures(['user_1'], []), { code: 'FG_ERR_MISSING_ARGUMENT', message: 'At least one feature reference is required' })
    await t.rejects(lookup.getFeatures(['user_1', ''], ['user_text:top_terms']), { code: 'FG_ERR_INVALID_ENTITY_ID' })
    await t.rejects(lookup.getFeatures(['user\u0000x'], ['user_text:top_terms']), { code: 'FG_ERR_INVALID_ENTITY_ID', message: /control characters/ })
    await t.rejects(lookup.getFeatures(['x'.repeat(1_025)], ['user_text:top_terms']), { code: 'FG_ERR_INVALID_ENTITY_ID', message: /at most 1024 bytes/ })
    await t.rejects(lookup.getFeatures(['\ud800'], ['user_text:top_terms']), { code: 'FG_ERR_INVALID_ENTITY_ID', message: /well-formed/ })
    t.equal(observer.calls.length, 0)
  })

  t.test('a deadline that has passed, or a caller that gave up, is a typed error', async (t) => {
    forget() // cached rows would be answered at once, deadline or not
    await t.rejects(lookup.getFeatures(['user_260', 'user_261'], ['user_text:top_terms'], { deadlineAt: Date.now() - 1 }), { code: 'FG_ERR_DEADLINE_EXCEEDED', kind: 'deadline_exceeded' })
    const controller = new AbortController()
    controller.abort()
    await t.rejects(lookup.getFeatures(['user_262'], ['user_text:top_terms'], { signal: controller.signal }), { code: 'FG_ERR_DEADLINE_EXCEEDED', kind: 'deadline_exceeded' })
  })

  t.test('N concurrent lookups share ceil(N/100) BatchGetItem calls', async (t) => {
    const { lookup, observer } = await setUp(t)
    const n = USERS - 50
    const results = await Promise.all(Array.from({ length: n }, async (_, i) => await lookup.getFeatures([demoUserId(i)], ['user_profile:region'], { now: NOW })))
    t.same(results.map((r) => actual(r.entities[0]!.results[0]!)), Array.from({ length: n }, (_, i) => expected(i, 'user_profile', 'region')))
    t.equal(observer.batchGetCalls, Math.ceil(n / 100))
    observer.reset()
    await Promise.all(Array.from({ length: n }, async (_, i) => await lookup.getFeatures([demoUserId(i)], ['user_profile:region'], { now: NOW })))
    t.equal(observer.batchGetCalls, 0, 'the second round is all cache hits')
  })
})

t.test('cache and batcher off: 250 ids in one call are three chunked calls, projected', async (t) => {
  const { lookup, observer } = await setUp(t, { CACHE_ENABLED: 'false', BATCH_ENABLED: 'false' })
  const ids = Array.from({ length: 250 }, (_, i) => demoUserId(i))
  const result = await lookup.getFeatures(ids, ['user_text:sentiment_score', 'user_text:embedding'], { now: NOW })
  t.equal(observer.batchGetCalls, 3)
  t.same(observer.batchGets.map((b) => b.keys).sort((a, b) => b - a), [100, 100, 50])
  let mismatches = 0
  for (const [i, entity] of result.entities.entries()) {
    for (const [c, feature] of result.features.entries()) {
      if (JSON.stringify(actual(entity.results[c]!)) !== JSON.stringify(expected(i, 'user_text', feature.feature.name))) mismatches++
    }
  }
  t.equal(mismatches, 0)
  // Two feature sets for the same ids: one row key per (entity, set), still at most 100 per call.
  observer.reset()
  await lookup.getFeatures(ids.slice(0, 120), ['user_text:top_terms', 'user_profile:region'], { now: NOW })
  t.same(observer.batchGets.map((b) => b.keys).sort((a, b) => b - a), [100, 100, 40])
})
