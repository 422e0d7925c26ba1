import t, { type Test } from 'tap'
import type { FeatureRow } from '../../src/domain/feature-row.js'
import type { FeatureSetSpec } from '../../src/domain/feature-set-spec.js'
import type { FeatureValue } from '../../src/domain/feature-value.js'
import type { ScanPosition, ScanRequest } from '../../src/domain/ports/bulk-reader.js'
import type { FeatureStore } from '../../src/domain/ports/feature-store.js'
import type { RowWrite } from '../../src/domain/ports/row-writer.js'
import { storeBackends } from '../helpers/store-backends.js'
import { NO_BYTE_LIMIT, openTestStore, readAll } from '../helpers/test-store.js'

/**
 * The store ports' contract, written once against the interfaces in src/domain/ports and run
 * against every implementation we have a real server for (dynalite, and Amazon's DynamoDB Local
 * where Java is present). A new store implementation is done when this suite passes against it.
 */
const DOCS: FeatureSetSpec = {
  name: 'docs',
  entityType: 'doc',
  features: [{ name: 'score', type: 'double' }, { name: 'title', type: 'string' }, { name: 'tags', type: 'string_list' }]
}
const OTHER: FeatureSetSpec = { name: 'other', entityType: 'doc', features: [{ name: 'score', type: 'double' }] }
const N = 120
const soon = (): { deadlineAt: number } => ({ deadlineAt: Date.now() + 20_000 })

function doc (i: number, eventTime = 1_700_000_000_000 + i): RowWrite {
  return {
    entityId: `doc_${i}`,
    featureSet: DOCS,
    eventTime,
    values: new Map<string, FeatureValue | null>([
      ['score', { type: 'double', value: i / 4 }],
      ['title', i % 10 === 0 ? null : { type: 'string', value: `title ${i}` }],
      ['tags', { type: 'string_list', value: [`t${i % 3}`] }]
    ])
  }
}

function scoreOf (row: FeatureRow | undefined): number | undefined {
  const value = row?.values.get('score')
  return value?.type === 'double' ? value.value : undefined
}

/** The whole contract, for one way of opening a fresh, empty store. */
function storeContract (t: Test, open: (t: Test) => Promise<FeatureStore>): void {
  t.test('ping answers', async (t) => {
    const store = await open(t)
    await t.resolves(store.ping())
  })

  t.test('registry storage: put, list sorted, delete', async (t) => {
    const { registry } = await open(t)
    await registry.put(OTHER)
    await registry.put(DOCS)
    t.same((await registry.list()).map((s) => s.name), ['docs', 'other'])
    t.same((await registry.list()).find((s) => s.name === 'docs'), DOCS, 'a spec reads back as written')
    await registry.delete('other')
    t.same((await registry.list()).map((s) => s.name), ['docs'])
    t.same(registry.skipped, [], 'nothing skipped')
  })

  t.test('writer: prepare refuses what the store could never hold, before any write', async (t) => {
    const { writer } = await open(t)
    t.throws(() => writer.prepare({ ...doc(1), values: new Map([['nope', { type: 'double', value: 1 }]]) }), { code: 'FG_ERR_UNKNOWN_FEATURE' })
    t.throws(() => writer.prepare({ ...doc(1), values: new Map([['title', { type: 'string', value: 'x'.repeat(500_000) }]]) }), { code: 'FG_ERR_ITEM_TOO_LARGE' })
    t.ok(writer.maxRowsPerCall >= 1)
  })

  t.test('rows by key: one answer per request in order, missing rows undefined, repeats and projections', async (t) => {
    const store = await open(t)
    await store.writer.writeRows(Array.from({ length: N }, (_, i) => store.writer.prepare(doc(i))))
    await store.writer.writeRows([store.writer.prepare({ entityId: 'doc_5', featureSet: OTHER, eventTime: 1, values: new Map([['score', { type: 'double', value: -1 }]]) })])
    const rows = await readAll(store.rows, [
      { entityId: 'doc_3', featureSet: DOCS, features: ['score'] },
      { entityId: 'nobody', featureSet: DOCS, features: undefined },
      { entityId: 'doc_5', featureSet: OTHER, features: undefined },
      { entityId: 'doc_3', featureSet: DOCS, features: ['title'] },
      { entityId: 'doc_10', featureSet: DOCS, features: undefined }
    ], soon())
    t.equal(rows.length, 5)
    t.equal(scoreOf(rows[0]), 0.75)
    t.equal(rows[1], undefined, 'no row: undefined')
    t.equal(scoreOf(rows[2]), -1, 'the same entity in another set is its own row')
    t.same(rows[3]?.values.get('title'), { type: 'string', value: 'title 3' }, 'a repeated key gets its own projection')
    t.equal(rows[4]?.values.get('title'), null, 'stored null reads as null')
    t.equal(rows[4]?.eventTime, 1_700_000_000_010)
    t.equal(rows[4]?.invalid.size, 0)

    const many = await readAll(store.rows, Array.from({ length: N + 30 }, (_, i) => ({ entityId: `doc_${i}`, featureSet: DOCS, features: ['score'] })), soon())
    t.same(many.map(scoreOf), Array.from({ length: N + 30 }, (_, i) => i < N ? i / 4 : undefined), 'more keys than one store call takes')
    t.same(await readAll(store.rows, [], soon()), [])
  })

  t.test('conditional writes leave newer rows alone and say which', async (t) => {
    const store = await open(t)
    await store.writer.writeRows([store.writer.prepare(doc(1, 2_000)), store.writer.prepare(doc(2, 2_000))])
    const older = { ...doc(1, 1_000), values: new Map([['score', { type: 'double', value: 99 }]]) } satisfies RowWrite
    const newer = { ...doc(2, 3_000), values: new Map([['score', { type: 'double', value: 42 }]]) } satisfies RowWrite
    const left = await store.writer.writeRowsIfNewer([store.writer.prepare(older), store.writer.prepare(newer), store.writer.prepare(doc(3, 500))])
    t.same(left, [{ entityId: 'doc_1', featureSet: 'docs' }])
    const rows = await readAll(store.rows, [1, 2, 3].map((i) => ({ entityId: `doc_${i}`, featureSet: DOCS, features: undefined })), soon())
    t.same(rows.map(scoreOf), [0.25, 42, 0.75])
    t.same(store.writer.unwritten(new Error('not a write failure')), undefined)
  })

  t.test('bulk: a set scanned in segments, resumable from any row, each row once', async (t) => {
    const store = await open(t)
    await store.writer.writeRows(Array.from({ length: N }, (_, i) => store.writer.prepare(doc(i))))
    await store.writer.writeRows(Array.from({ length: 30 }, (_, i) => store.writer.prepare({ entityId: `doc_${i}`, featureSet: OTHER, eventTime: 1, values: new Map() })))
    const start: ScanPosition = { totalSegments: 3, segments: ['start', 'start', 'start'] }
    const request = (position: ScanPosition, maxRows: number, conditions: ScanRequest['conditions'] = []): ScanRequest =>
      ({ featureSet: DOCS, attributes: ['score'], conditions, position, segments: [0, 1, 2], maxRows, maxItems: 10_000, maxBytes: NO_BYTE_LIMIT, parallelism: 3 })

    const seen: string[] = []
    let position = start
    let exhausted = false
    for (let pages = 0; !exhausted && pages < 100; pages++) {
      const result = await store.bulk.scan(request(position, 17), soon())
      t.ok(result.rows.length <= 17)
      for (const row of result.rows) {
        seen.push(row.entityId)
        t.equal(scoreOf(row.row), Number(row.entityId.slice(4)) / 4)
        t.notOk(row.row.values.has('title'), 'only the asked-for features')
      }
      position = result.position
      exhausted = result.exhausted
    }
    t.ok(exhausted)
    t.equal(seen.length, N, 'every row of the set, no other set\'s')
    t.equal(new Set(seen).size, N, 'none twice')

    const first = await store.bulk.scan(request(start, 10), soon())
    const resumed = await store.bulk.scan(request(first.rows[4]!.after, 5), soon())
    t.same(resumed.rows.map((r) => r.entityId), first.rows.slice(5, 10).map((r) => r.entityId), 'resuming after a row yields the rows after it')

    const filtered = await store.bulk.scan(request(start, 1_000, [{ kind: 'compare', feature: 'score', op: '>=', value: { type: 'double', value: 25 } }]), soon())
    t.same(filtered.rows.map((r) => r.entityId).sort(), Array.from({ length: N - 100 }, (_, i) => `doc_${100 + i}`).sort(), 'conditions are evaluated by the store')
    const nulls = await store.bulk.scan({ ...request(start, 1_000, [{ kind: 'null', feature: 'title', isNull: true }]), attributes: ['title'] }, soon())
    t.equal(nulls.rows.length, N / 10, 'stored nulls are found')

    const byKey = await readAll(store.bulk, [{ entityId: 'doc_7', featureSet: DOCS, features: ['score'] }, { entityId: 'nobody', featureSet: DOCS, features: ['score'] }], soon())
    t.same(byKey.map(scoreOf), [1.75, undefined])
  })

  t.test('bulk: a pull examines only its own set\'s items, in one order whatever the page sizes', async (t) => {
    const store = await open(t)
    await store.writer.writeRows(Array.from({ length: N }, (_, i) => store.writer.prepare(doc(i))))
    // Another set twice as large, on the same entities and more: none of it may be examined.
    await store.writer.writeRows(Array.from({ length: 2 * N }, (_, i) => store.writer.prepare({
      entityId: `doc_${i}`, featureSet: OTHER, eventTime: 1, values: new Map([['score', { type: 'double', value: i }]])
    })))
    const whole = await store.bulk.scan({
      featureSet: DOCS,
      attributes: ['score'],
      conditions: [],
      position: { totalSegments: 4, segments: ['start', 'start', 'start', 'start'] },
      segments: [0, 1, 2, 3],
      maxRows: 10_000,
      maxItems: 100_000,
      maxBytes: NO_BYTE_LIMIT,
      parallelism: 4
    }, soon())
    t.ok(whole.exhausted)
    t.equal(whole.rows.length, N)
    t.ok(whole.itemsScanned <= 1.05 * whole.rows.length, `items examined ${whole.itemsScanned} <= 1.05 x ${whole.rows.length} rows`)

    // Paging 7 rows at a time, with one segment read at a time, hands out the same rows in the same order.
    const paged: string[] = []
    let position: ScanPosition = { totalSegments: 4, segments: ['start', 'start', 'start', 'start'] }
    for (let exhausted = false, pages = 0; !exhausted && pages < 100; pages++) {
      const result = await store.bulk.scan({ featureSet: DOCS, attributes: [], conditions: [], position, segments: [0, 1, 2, 3], maxRows: 7, maxItems: 100_000, maxBytes: NO_BYTE_LIMIT, parallelism: 1 }, soon())
      paged.push(...result.rows.map((r) => r.entityId))
      position = result.position
      exhausted = result.exhausted
    }
    t.same(paged, whole.rows.map((r) => r.entityId), 'the order does not depend on page sizes or parallelism')
  })

  t.test('bulk: caller segments partition a set, also into more segments than the store has shards', async (t) => {
    const store = await open(t)
    await store.writer.writeRows(Array.from({ length: N }, (_, i) => store.writer.prepare(doc(i))))
    for (const count of [1, 3, 100]) {
      const seen: string[] = []
      let examined = 0
      for (let index = 0; index < count; index++) {
        const result = await store.bulk.scan({
          featureSet: DOCS,
          attributes: [],
          conditions: [],
          position: { totalSegments: count, segments: Array.from({ length: count }, () => 'start' as const) },
          segments: [index],
          maxRows: 10_000,
          maxItems: 100_000,
          maxBytes: NO_BYTE_LIMIT,
          parallelism: 1
        }, soon())
        t.ok(result.exhausted)
        seen.push(...result.rows.map((r) => r.entityId))
        examined += result.itemsScanned
      }
      t.equal(seen.length, N, `${count} segments: every row in some segment`)
      t.equal(new Set(seen).size, N, `${count} segments: no row in two`)
      t.ok(examined <= 1.05 * N, `${count} segments: items examined ${examined} <= 1.05 x ${N}`)
    }
  })

  t.test('bulk: a position that is not one of this pull\'s is refused', async (t) => {
    const store = await open(t)
    await store.writer.writeRows(Array.from({ length: 40 }, (_, i) => store.writer.prepare(doc(i))))
    const request = (segments: ScanPosition['segments'], maxRows = 100): ScanRequest =>
      ({ featureSet: DOCS, attributes: [], conditions: [], position: { totalSegments: 2, segments }, segments: [0, 1], maxRows, maxItems: 1_000, maxBytes: NO_BYTE_LIMIT, parallelism: 2 })
    const all = await store.bulk.scan(request(['start', 'start']), soon())
    // Where each row stands: its segment's position right after it.
    const stands = all.rows.map((row) => {
      const segment = row.after.segments.findIndex((s) => typeof s === 'object' && s.after === row.entityId)
      const position = row.after.segments[segment]
      return { segment, shard: typeof position === 'object' ? position.shard : -1, entityId: row.entityId }
    })
    t.ok(stands.every((s) => s.segment >= 0 && s.shard >= 0), 'every row stands at a shard of one segment')
    const a = stands[0]!
    const b = stands.find((s) => s.segment === a.segment && s.shard !== a.shard)
    const at = (segment: number, position: ScanPosition['segments'][number]): ScanPosition['segments'] => segment === 0 ? [position, 'start'] : ['start', position]
    await t.resolves(store.bulk.scan(request(at(a.segment, { shard: a.shard, after: a.entityId })), soon()), 'its own position is fine')
    await t.rejects(store.bulk.scan(request(at(1 - a.segment, { shard: a.shard })), soon()), { code: 'FG_ERR_INVALID_CURSOR' }, 'a shard of the other segment')
    await t.rejects(store.bulk.scan(request(at(a.segment, { shard: 1_000_000 })), soon()), { code: 'FG_ERR_INVALID_CURSOR' }, 'a shard the store does not have')
    if (b !== undefined) {
      await t.rejects(store.bulk.scan(request(at(a.segment, { shard: a.shard, after: b.entityId })), soon()), { code: 'FG_ERR_INVALID_CURSOR' }, 'an entity from another shard')
    }
  })
}

for (const backend of storeBackends()) {
  t.test(backend.name, async (t) => {
    const endpoint = await backend.start(t)
    storeContract(t, async (t) => {
      const opened = await openTestStore(t, endpoint, { env: { CACHE_ENABLED: 'false', BATCH_ENABLED: 'false' } })
      // The ports alone, as the app receives them: the store's own row reader, not the core's cache over it.
      return { ...opened, rows: opened.storeRows }
    })
  })
}
