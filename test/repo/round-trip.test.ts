import t from 'tap'
import { PutItemCommand } from '@aws-sdk/client-dynamodb'
import type { FeatureSetSpec } from '../../src/domain/feature-set-spec.js'
import type { FeatureValue } from '../../src/domain/feature-value.js'
import type { FeatureRow } from '../../src/domain/feature-row.js'
import type { ScanPosition } from '../../src/domain/ports/bulk-reader.js'
import { itemSize } from '../../src/repo/attribute-codec.js'
import type { RowWrite } from '../../src/domain/ports/row-writer.js'
import { MAX_ITEM_BYTES, toItem } from '../../src/repo/feature-writer.js'
import { storeBackends } from '../helpers/store-backends.js'
import { localClient, NO_BYTE_LIMIT, openTestStore, writeRows, readAll, type TestStore } from '../helpers/test-store.js'

/** One feature of every value type; names include DynamoDB reserved words, which only placeholders make safe. */
const EVERY_TYPE: FeatureSetSpec = {
  name: 'every_type',
  entityType: 'thing',
  features: [
    { name: 'size', type: 'double' },
    { name: 'count', type: 'int64' },
    { name: 'name', type: 'string' },
    { name: 'flag', type: 'bool' },
    { name: 'data', type: 'bytes' },
    { name: 'timestamp', type: 'timestamp' },
    { name: 'embedding', type: 'float_vector', dimension: 8 },
    { name: 'doubles', type: 'double_list' },
    { name: 'ints', type: 'int64_list' },
    { name: 'strings', type: 'string_list' },
    { name: 'bools', type: 'bool_list' }
  ]
}

const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i)
/** Float32 values whose bits a lossy codec would change: extremes, subnormals, negative zero, a NaN payload. */
const TRICKY_FLOATS = (() => {
  const v = new Float32Array(8)
  v.set([3.4028234663852886e38, -1.401298464324817e-45, 1.1754943508222875e-38, -0, 0.1, -1 / 3, 1e-7])
  new Uint32Array(v.buffer)[7] = 0x7fc00123
  return v
})()

const ROWS: Array<{ id: string, values: Map<string, FeatureValue | null> }> = [
  {
    id: 'typical',
    values: new Map<string, FeatureValue | null>([
      ['size', { type: 'double', value: -0.1234567890123456 }],
      ['count', { type: 'int64', value: 9_007_199_254_740_993n }],
      ['name', { type: 'string', value: 'naïve café 🎉 "quoted" \\ ' }],
      ['flag', { type: 'bool', value: true }],
      ['data', { type: 'bytes', value: ALL_BYTES }],
      ['timestamp', { type: 'timestamp', value: Date.UTC(2026, 10, 25, 12, 30, 15, 123) }],
      ['embedding', { type: 'float_vector', value: TRICKY_FLOATS }],
      ['doubles', { type: 'double_list', value: [1.5, -2e-100, 1e125, 0] }],
      ['ints', { type: 'int64_list', value: [-(2n ** 63n), 2n ** 63n - 1n, 0n] }],
      ['strings', { type: 'string_list', value: ['a', 'ü', '日本'] }],
      ['bools', { type: 'bool_list', value: [true, false, true] }]
    ])
  },
  {
    id: 'edges',
    values: new Map<string, FeatureValue | null>([
      ['size', { type: 'double', value: 0 }],
      ['count', { type: 'int64', value: -(2n ** 63n) }],
      ['name', { type: 'string', value: 'x' }],
      ['flag', { type: 'bool', value: false }],
      ['data', { type: 'bytes', value: new Uint8Array([0]) }],
      ['timestamp', { type: 'timestamp', value: 0 }],
      ['embedding', { type: 'float_vector', value: new Float32Array(8) }],
      ['doubles', { type: 'double_list', value: [] }],
      ['ints', { type: 'int64_list', value: [] }],
      ['strings', { type: 'string_list', value: [] }],
      ['bools', { type: 'bool_list', value: [] }]
    ])
  },
  {
    id: 'nulls',
    values: new Map<string, FeatureValue | null>(EVERY_TYPE.features.map((f) => [f.name, null]))
  }
]

const EVENT_TIME = Date.UTC(2026, 0, 2, 3, 4, 5, 6)

function rowWrite (entityId: string, values: ReadonlyMap<string, FeatureValue | null>, featureSet = EVERY_TYPE): RowWrite {
  return { entityId, featureSet, eventTime: EVENT_TIME, values }
}

/** Exact comparison: bigint, bytes and float bits included, which t.same would blur. */
function canonical (value: FeatureValue | null | undefined): unknown {
  if (value === null || value === undefined) return value
  switch (value.type) {
    case 'int64': return { type: value.type, value: value.value.toString() }
    case 'int64_list': return { type: value.type, value: value.value.map(String) }
    case 'bytes': return { type: value.type, value: Buffer.from(value.value).toString('hex') }
    case 'float_vector': return { type: value.type, value: Buffer.from(value.value.buffer, value.value.byteOffset, value.value.byteLength).toString('hex') }
    case 'double': case 'timestamp': return { type: value.type, value: Object.is(value.value, -0) ? '-0' : value.value }
    default: return value
  }
}

/** Every row of a set as a pull reads it: the bulk reader's Query of the set's index, its answers read from their bytes. */
async function scanRows (store: TestStore, featureSet = EVERY_TYPE): Promise<Map<string, FeatureRow>> {
  const rows = new Map<string, FeatureRow>()
  let position: ScanPosition = { totalSegments: 1, segments: ['start'] }
  for (let pages = 0; pages < 100; pages++) {
    const page = await store.bulk.scan({ featureSet, attributes: featureSet.features.map((f) => f.name), conditions: [], position, segments: [0], maxRows: 1_000, maxItems: 10_000, maxBytes: NO_BYTE_LIMIT, parallelism: 1 }, { deadlineAt: Date.now() + 10_000 })
    for (const row of page.rows) rows.set(row.entityId, row.row)
    if (page.exhausted) return rows
    position = page.position
  }
  throw new Error('the scan did not end')
}

async function readRow (store: TestStore, entityId: string, features?: string[], featureSet = EVERY_TYPE) {
  const [row] = await readAll(store.rows, [{ entityId, featureSet, features }], { deadlineAt: Date.now() + 10_000 })
  return row
}

for (const backend of storeBackends()) {
  t.test(backend.name, async (t) => {
    const endpoint = await backend.start(t)

    for (const cache of ['on', 'off']) {
      t.test(`every value type round-trips through write and read (cache ${cache})`, async (t) => {
        const store = await openTestStore(t, endpoint, { env: { CACHE_ENABLED: cache === 'on' ? 'true' : 'false' } })
        await writeRows(store.writer, ROWS.map((row) => rowWrite(row.id, row.values)))
        for (const expected of ROWS) {
          // Twice: with the cache on, the second answer comes from the cache and must be just as exact.
          for (const pass of [1, 2]) {
            const row = await readRow(store, expected.id)
            if (row === undefined) {
              t.fail(`${expected.id} not found`)
              continue
            }
            t.equal(row.eventTime, EVENT_TIME, `${expected.id} event time (read ${pass})`)
            t.same(row.invalid.size, 0, `${expected.id} has no invalid features`)
            for (const [name, value] of expected.values) {
              t.same(canonical(row.values.get(name)), canonical(value), `${expected.id}.${name} (read ${pass})`)
            }
            t.equal(row.values.size, expected.values.size, `${expected.id} has no extra features`)
          }
        }
      })
    }

    t.test('every value type reads back the same through a pull\'s Query as through a lookup', async (t) => {
      const store = await openTestStore(t, endpoint, { env: { CACHE_ENABLED: 'false' } })
      await writeRows(store.writer, ROWS.map((row) => rowWrite(row.id, row.values)))
      const scanned = await scanRows(store)
      t.same([...scanned.keys()].sort(), ROWS.map((row) => row.id).sort(), 'every row once')
      for (const expected of ROWS) {
        const row = scanned.get(expected.id)
        t.equal(row?.eventTime, EVENT_TIME, `${expected.id} event time`)
        t.equal(row?.invalid.size, 0, `${expected.id} has no invalid features`)
        for (const [name, value] of expected.values) t.same(canonical(row?.values.get(name)), canonical(value), `${expected.id}.${name}`)
        t.equal(row?.values.size, expected.values.size, `${expected.id} has no extra features`)
      }
    })

    t.test('an embedding of 256 dimensions comes back bit for bit', async (t) => {
      const spec: FeatureSetSpec = { name: 'emb', entityType: 'user', features: [{ name: 'embedding', type: 'float_vector', dimension: 256 }] }
      const store = await openTestStore(t, endpoint, { env: { CACHE_ENABLED: 'false' } })
      const vector = new Float32Array(256)
      const bits = new Uint32Array(vector.buffer)
      for (let i = 0; i < bits.length; i++) bits[i] = (Math.imul(i + 1, 2654435761) >>> 0) & 0xff7fffff // any finite bit pattern
      await writeRows(store.writer, [rowWrite('u1', new Map([['embedding', { type: 'float_vector', value: vector }]]), spec)])
      const row = await readRow(store, 'u1', undefined, spec)
      const read = row?.values.get('embedding')
      if (read?.type !== 'float_vector') return t.fail('embedding missing')
      t.equal(read.value.length, 256)
      t.equal(Buffer.compare(Buffer.from(read.value.buffer, read.value.byteOffset, read.value.byteLength), Buffer.from(vector.buffer)), 0, 'same bytes')
      // A 1 KB vector decoded as a view into Node's shared 8 KB buffer pool would pin the whole slab in the cache.
      t.ok(read.value.buffer.byteLength <= 2 * read.value.byteLength, `holds ${read.value.buffer.byteLength} bytes for a ${read.value.byteLength}-byte vector`)
    })

    t.test('a projection reads only the requested features (cache off)', async (t) => {
      const store = await openTestStore(t, endpoint, { env: { CACHE_ENABLED: 'false' } })
      await writeRows(store.writer, [rowWrite('typical', ROWS[0]!.values)])
      const row = await readRow(store, 'typical', ['size', 'data'])
      t.same([...row!.values.keys()].sort(), ['data', 'size'], 'only the projected attributes came back')
      t.equal(row!.eventTime, EVENT_TIME, 'event time always comes along')
    })

    t.test('missing entities and missing feature sets read as no row', async (t) => {
      const store = await openTestStore(t, endpoint)
      await writeRows(store.writer, [rowWrite('typical', ROWS[0]!.values)])
      const other: FeatureSetSpec = { ...EVERY_TYPE, name: 'other_set' }
      const rows = await readAll(store.rows, [
        { entityId: 'nobody', featureSet: EVERY_TYPE, features: undefined },
        { entityId: 'typical', featureSet: other, features: undefined },
        { entityId: 'typical', featureSet: EVERY_TYPE, features: undefined }
      ], { deadlineAt: Date.now() + 10_000 })
      t.equal(rows[0], undefined)
      t.equal(rows[1], undefined)
      t.ok(rows[2])
    })

    t.test('a row over 400 KB is refused before the store sees it; one just under is stored', async (t) => {
      const spec: FeatureSetSpec = { name: 'blobs', entityType: 'doc', features: [{ name: 'blob', type: 'bytes' }] }
      const store = await openTestStore(t, endpoint, { env: { CACHE_ENABLED: 'false' } })
      const overhead = itemSize(toItem(rowWrite('doc1', new Map([['blob', { type: 'bytes', value: new Uint8Array(0) }]]), spec)))
      const fits = new Uint8Array(MAX_ITEM_BYTES - overhead).fill(7)
      const atLimit = rowWrite('doc1', new Map([['blob', { type: 'bytes', value: fits }]]), spec)
      t.equal(itemSize(toItem(atLimit)), MAX_ITEM_BYTES, 'exactly at the limit')
      await writeRows(store.writer, [atLimit])
      const row = await readRow(store, 'doc1', undefined, spec)
      const blob = row?.values.get('blob')
      t.equal(blob?.type === 'bytes' ? blob.value.byteLength : -1, fits.byteLength, 'stored whole at the limit')

      const tooBig = new Uint8Array(MAX_ITEM_BYTES - overhead + 1)
      t.throws(() => toItem(rowWrite('doc2', new Map([['blob', { type: 'bytes', value: tooBig }]]), spec)),
        { code: 'FG_ERR_ITEM_TOO_LARGE', message: /entity doc2 in feature set blobs is 409601 bytes; DynamoDB items are limited to 400 KB/ },
        'clear error naming the entity, the set and the size')
    })

    t.test('values DynamoDB cannot hold are refused per row, naming the feature', async (t) => {
      for (const value of [1e126, -1e200, 1e-131, 5e-324]) {
        t.throws(() => toItem(rowWrite('x', new Map([['size', { type: 'double', value }]]))),
          { code: 'FG_ERR_INVALID_FEATURE_VALUE', message: /^Invalid value for size: .* outside the range DynamoDB numbers can hold/ }, `double ${value}`)
        t.throws(() => toItem(rowWrite('x', new Map([['doubles', { type: 'double_list', value: [1, value] }]]))),
          { code: 'FG_ERR_INVALID_FEATURE_VALUE', message: /^Invalid value for doubles:/ }, `double_list with ${value}`)
      }
      t.throws(() => toItem({ ...rowWrite('x', new Map()), eventTime: Number.NaN }), { code: 'FG_ERR_INVALID_FEATURE_VALUE', message: 'Invalid value for event time: NaN is not a time in milliseconds' })
      t.throws(() => toItem(rowWrite('x', new Map([['_e', { type: 'string', value: 'hijack' }]]))),
        { code: 'FG_ERR_UNKNOWN_FEATURE', message: 'Unknown feature "_e" in feature set "every_type"' }, 'undeclared names never reach the item')
      // The largest values inside the range are stored and read back exactly.
      const store = await openTestStore(t, endpoint, { env: { CACHE_ENABLED: 'false' } })
      const values = new Map<string, FeatureValue>([['size', { type: 'double', value: 9.999999999999998e125 }], ['doubles', { type: 'double_list', value: [1e-130, -1.7976931348623155e125] }]])
      await writeRows(store.writer, [rowWrite('range', values)])
      const row = await readRow(store, 'range')
      t.same(canonical(row?.values.get('size')), canonical(values.get('size')!))
      t.same(row?.values.get('doubles'), values.get('doubles'))
    })

    t.test('a stored attribute of the wrong type reads as invalid, not as a guess', async (t) => {
      const store = await openTestStore(t, endpoint, { env: { CACHE_ENABLED: 'false' } })
      const asString: FeatureSetSpec = { ...EVERY_TYPE, features: [{ name: 'size', type: 'string' }, { name: 'count', type: 'int64' }] }
      await writeRows(store.writer, [rowWrite('changed', new Map<string, FeatureValue>([['size', { type: 'string', value: 'big' }], ['count', { type: 'int64', value: 3n }]]), asString)])
      const row = await readRow(store, 'changed')
      t.same([...row!.invalid], ['size'])
      t.same(canonical(row!.values.get('count')), { type: 'int64', value: '3' })
    })

    t.test('a row stored without an event time is reported as INVALID, not read as 1970', async (t) => {
      const store = await openTestStore(t, endpoint, { env: { CACHE_ENABLED: 'false' } })
      const client = localClient(t, endpoint)
      // As a writer that skipped the contract would store it: the key and a value, no _t.
      await client.send(new PutItemCommand({ TableName: store.featureTable, Item: { _e: { S: 'untimed' }, _s: { S: EVERY_TYPE.name }, _p: { S: 'x' }, size: { N: '1.5' } } }))
      const row = await readRow(store, 'untimed')
      t.ok(row, 'the row is found')
      t.same([...row!.invalid], ['size'], 'its features read as invalid')
      t.equal(row!.values.size, 0, 'no value is served with an unknown time')
    })

    t.test('after a type change every stored value that does not fit reads as invalid, and the rest of the row is served', async (t) => {
      const store = await openTestStore(t, endpoint, { env: { CACHE_ENABLED: 'false' } })
      // Written under one spec, read under another: [feature, written as, read as, fits].
      const cases: Array<[string, FeatureValue, FeatureSetSpec['features'][number], boolean]> = [
        ['d_to_i', { type: 'double', value: 5.559 }, { name: 'd_to_i', type: 'int64' }, false],
        ['d_whole_to_i', { type: 'double', value: 42 }, { name: 'd_whole_to_i', type: 'int64' }, true],
        ['i_to_d', { type: 'int64', value: 7n }, { name: 'i_to_d', type: 'double' }, true],
        ['big_i_to_ts', { type: 'int64', value: 2n ** 62n }, { name: 'big_i_to_ts', type: 'timestamp' }, false],
        ['ts_to_i', { type: 'timestamp', value: 1_700_000_000_123 }, { name: 'ts_to_i', type: 'int64' }, true],
        ['bytes_to_vec', { type: 'bytes', value: Uint8Array.of(1, 2, 3, 4, 5) }, { name: 'bytes_to_vec', type: 'float_vector', dimension: 1 }, false],
        ['vec_to_bytes', { type: 'float_vector', value: Float32Array.of(1, 2) }, { name: 'vec_to_bytes', type: 'bytes' }, true],
        ['vec_dim', { type: 'float_vector', value: Float32Array.of(1, 2, 3, 4) }, { name: 'vec_dim', type: 'float_vector', dimension: 8 }, false],
        ['dl_to_il', { type: 'double_list', value: [1, 2.5] }, { name: 'dl_to_il', type: 'int64_list' }, false],
        ['il_to_dl', { type: 'int64_list', value: [1n, 2n] }, { name: 'il_to_dl', type: 'double_list' }, true],
        ['sl_to_bl', { type: 'string_list', value: ['true'] }, { name: 'sl_to_bl', type: 'bool_list' }, false],
        ['s_to_d', { type: 'string', value: '1.5' }, { name: 's_to_d', type: 'double' }, false]
      ]
      const kept = { name: 'kept', type: 'double' } as const
      const typeOf = (value: FeatureValue): FeatureSetSpec['features'][number] =>
        value.type === 'float_vector' ? { name: '', type: value.type, dimension: value.value.length } : { name: '', type: value.type }
      const before: FeatureSetSpec = { name: 'typed', entityType: 'thing', features: [kept, ...cases.map(([name, value]) => ({ ...typeOf(value), name }))] }
      const after: FeatureSetSpec = { ...before, features: [kept, ...cases.map(([, , spec]) => spec)] }
      await writeRows(store.writer, [{ entityId: 'x', featureSet: before, eventTime: EVENT_TIME, values: new Map<string, FeatureValue>([['kept', { type: 'double', value: 0.5 }], ...cases.map(([name, value]): [string, FeatureValue] => [name, value])]) }])
      const row = await readRow(store, 'x', undefined, after)
      t.ok(row, 'the row is read, not failed')
      for (const [name, , spec, fits] of cases) {
        t.equal(row!.invalid.has(name), !fits, `${name}: ${fits ? 'read' : 'INVALID'} as ${spec.type}`)
        t.equal(row!.values.has(name), fits, `${name}: ${fits ? 'has a value' : 'no value'}`)
      }
      t.same(row!.values.get('kept'), { type: 'double', value: 0.5 }, 'other features of the row are served as usual')
      t.same(canonical(row!.values.get('ts_to_i')), { type: 'int64', value: '1700000000123' })
      // A pull reads the same row the same way.
      const scanned = (await scanRows(store, after)).get('x')
      t.same([...scanned!.invalid].sort(), [...row!.invalid].sort(), 'a pull finds the same values invalid')
      for (const [name] of cases) t.same(canonical(scanned!.values.get(name)), canonical(row!.values.get(name)), `${name}: the same through a pull`)
    })
  })
}
