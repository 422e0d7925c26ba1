import t from 'tap'
import { BatchWriteItemCommand, CreateTableCommand } from '@aws-sdk/client-dynamodb'
import type { FeatureSetSpec } from '../../src/domain/feature-set-spec.js'
import type { ScanResult } from '../../src/domain/ports/bulk-reader.js'
import type { FeatureStore } from '../../src/domain/ports/feature-store.js'
import { toItem } from '../../src/repo/feature-writer.js'
import { openFeatureStore } from '../../src/repo/open-feature-store.js'
import { testConfig } from '../helpers/build-app.js'
import { storeBackends } from '../helpers/store-backends.js'
import { LOCAL_CREDENTIALS, NO_BYTE_LIMIT, localClient, readAll } from '../helpers/test-store.js'

/**
 * A feature table from before the by-set layout (no index, items without a shard key) is migrated
 * by create-tables' path: the index added (or, on a server that cannot add one, the table rebuilt),
 * shard keys backfilled, and a second run finds nothing to do. Afterwards a pull gets every row,
 * examining only its own set's items.
 */
const DOCS: FeatureSetSpec = { name: 'docs', entityType: 'doc', features: [{ name: 'score', type: 'double' }] }
const OTHER: FeatureSetSpec = { name: 'other', entityType: 'doc', features: [{ name: 'score', type: 'double' }] }
const N = 300

for (const backend of storeBackends()) {
  t.test(`${backend.name}: an old feature table is migrated in place, idempotently`, async (t) => {
    const endpoint = await backend.start(t)
    const config = testConfig({ DYNAMODB_ENDPOINT: endpoint, FEATURE_TABLE: 'old_features', REGISTRY_TABLE: 'old_registry' })
    const client = localClient(t, endpoint)
    await client.send(new CreateTableCommand({
      TableName: 'old_features',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: '_e', KeyType: 'HASH' }, { AttributeName: '_s', KeyType: 'RANGE' }],
      AttributeDefinitions: [{ AttributeName: '_e', AttributeType: 'S' }, { AttributeName: '_s', AttributeType: 'S' }]
    }))
    const items = [DOCS, OTHER].flatMap((spec) => Array.from({ length: N }, (_, i) => {
      const item = toItem({ entityId: `doc_${i}`, featureSet: spec, eventTime: 1_000 + i, values: new Map([['score', { type: 'double', value: i }]]) })
      // As an earlier version wrote it.
      delete item._p
      return item
    }))
    for (let i = 0; i < items.length; i += 25) {
      await client.send(new BatchWriteItemCommand({ RequestItems: { old_features: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }))
    }

    const problems: string[] = []
    const gateway = await openFeatureStore({ store: config.store, staticCredentials: LOCAL_CREDENTIALS, onLayoutProblem: (p) => problems.push(p) })
    await gateway.close()
    t.match(problems, [/has no by_set_shard index.*create-tables/], 'a gateway on the old table says what to run')

    const open = async (progress: string[]): Promise<FeatureStore> => {
      const store = await openFeatureStore({ store: config.store, createTables: true, staticCredentials: LOCAL_CREDENTIALS, onProgress: (line) => progress.push(line) })
      t.teardown(async () => await store.close())
      return store
    }
    const first: string[] = []
    const store = await open(first)
    t.ok(first.some((line) => /backfill|rebuilt/.test(line)), `the migration reports progress: ${first.join(' | ')}`)

    const pull = async (s: FeatureStore): Promise<ScanResult> => await s.bulk.scan({
      featureSet: DOCS,
      attributes: ['score'],
      conditions: [],
      position: { totalSegments: 2, segments: ['start', 'start'] },
      segments: [0, 1],
      maxRows: 10_000,
      maxItems: 100_000,
      maxBytes: NO_BYTE_LIMIT,
      parallelism: 2
    }, { deadlineAt: Date.now() + 20_000 })
    const result = await pull(store)
    t.equal(result.rows.length, N, 'every row written before the migration is pulled')
    t.equal(new Set(result.rows.map((r) => r.entityId)).size, N)
    t.ok(result.itemsScanned <= 1.05 * N, `examined ${result.itemsScanned} items for ${N} rows`)
    const [row] = await readAll(store.rows, [{ entityId: 'doc_7', featureSet: OTHER, features: undefined }], { deadlineAt: Date.now() + 5_000 })
    t.same(row?.values.get('score'), { type: 'double', value: 7 }, 'lookups read the same items as before')

    const second: string[] = []
    const again = await open(second)
    t.same(second, [], 'a second run has nothing to do')
    t.equal((await pull(again)).rows.length, N)
  })
}
