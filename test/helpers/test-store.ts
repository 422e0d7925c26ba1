import type { Test } from 'tap'
import { FeatureLookup } from '../../src/core/feature-lookup.js'
import { FeatureRegistry } from '../../src/core/feature-registry.js'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { createDynamoClient } from '../../src/repo/dynamo-client.js'
import type { CachedRowReader } from '../../src/core/rows/cached-row-reader.js'
import { onlineRows } from '../../src/core/rows/online-rows.js'
import { requireAllRead } from '../../src/core/rows/unread.js'
import type { FeatureRow, RowRequest } from '../../src/domain/feature-row.js'
import type { ReadOptions } from '../../src/domain/read-options.js'
import type { FeatureStore } from '../../src/domain/ports/feature-store.js'
import type { RowReader } from '../../src/domain/ports/row-reader.js'
import type { RowWrite, RowWriter } from '../../src/domain/ports/row-writer.js'
import type { StoreObserver } from '../../src/domain/ports/store-observer.js'
import { openFeatureStore } from '../../src/repo/open-feature-store.js'
import { testConfig } from './build-app.js'

/**
 * Local DynamoDB-compatible servers accept any credentials, but DynamoDB Local (2.x and later) wants
 * the key id to be letters and digits only, and keeps a separate database per key id.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'featuregatetest', secretAccessKey: 'featuregatetest' } as const

let tables = 0

export interface TestStoreOptions {
  /** Configuration overrides, exactly as environment variables (CACHE_ENABLED, BATCH_ENABLED, ...). */
  readonly env?: Record<string, string>
  readonly observer?: StoreObserver
  readonly clock?: () => number
}

/**
 * The repository opened on `endpoint` (a backend from storeBackends(), or a fault proxy in front of
 * one) with tables of its own, so tests sharing one server never see each other's rows. Closed on teardown.
 * `rows` is the online read path as the app wires it (the core's cache and batcher over the store's
 * row reader, as configured); `storeRows` is the store's own reader.
 */
export interface TestStore extends Omit<FeatureStore, 'rows'> {
  readonly rows: CachedRowReader
  readonly storeRows: RowReader
  readonly featureTable: string
  readonly registryTable: string
}

export async function openTestStore (t: Test, endpoint: string, options: TestStoreOptions = {}): Promise<TestStore> {
  const n = ++tables
  const config = testConfig({
    DYNAMODB_ENDPOINT: endpoint,
    FEATURE_TABLE: `features_${process.pid}_${n}`,
    REGISTRY_TABLE: `registry_${process.pid}_${n}`,
    ...options.env
  })
  const store = await openFeatureStore({
    store: config.store,
    createTables: true,
    staticCredentials: LOCAL_CREDENTIALS,
    ...(options.observer !== undefined && { observer: options.observer })
  })
  t.teardown(async () => await store.close())
  const rows = onlineRows(store.rows, { ...config, ...(options.clock !== undefined && { clock: options.clock }) })
  return { ...store, rows, storeRows: store.rows, featureTable: config.store.featureTable, registryTable: config.store.registryTable }
}

/** Writes whole rows through the store's writer port. */
export async function writeRows (writer: RowWriter, rows: readonly RowWrite[]): Promise<void> {
  await writer.writeRows(rows.map((row) => writer.prepare(row)))
}

/** The store's writer with some of its methods replaced, to count or delay calls. */
export function writerWith (base: RowWriter, overrides: Partial<Pick<RowWriter, 'writeRows' | 'writeRowsIfNewer'>>): RowWriter {
  return {
    maxRowsPerCall: base.maxRowsPerCall,
    prepare: (row) => base.prepare(row),
    writeRows: overrides.writeRows ?? (async (rows) => await base.writeRows(rows)),
    writeRowsIfNewer: overrides.writeRowsIfNewer ?? (async (rows, concurrency) => await base.writeRowsIfNewer(rows, concurrency)),
    unwritten: (error) => base.unwritten(error)
  }
}

/** The lookup service over a store, with the registry loaded from the store's registry table. */
export async function lookupOver (store: Pick<TestStore, 'registry' | 'rows'>, env: Record<string, string> = {}): Promise<{ lookup: FeatureLookup, registry: FeatureRegistry }> {
  const registry = new FeatureRegistry(store.registry)
  await registry.reload()
  return { lookup: new FeatureLookup(registry, store.rows, testConfig(env).limits), registry }
}

/** A client of our own for `endpoint`, tuned like the store's (retries start at 1 ms), destroyed on teardown. */
export function localClient (t: Test, endpoint: string, { maxAttempts = 3, idleTimeoutMs = 10_000 } = {}): DynamoDBClient {
  const client = createDynamoClient({
    endpoint, region: 'us-east-1', maxSockets: 8, connectTimeoutMs: 1_000, maxAttempts, retryBaseMs: 1, idleTimeoutMs, staticCredentials: LOCAL_CREDENTIALS
  })
  t.teardown(() => client.destroy())
  return client
}

/** Reads rows and fails the test's read if any could not be read (tests of partial reads look at RowResult themselves). */
export async function readAll (reader: RowReader, requests: readonly RowRequest[], options: ReadOptions): Promise<Array<FeatureRow | undefined>> {
  return requireAllRead(await reader.readRows(requests, options))
}

/** A client of our own for an app's embedded store (which accepts the embedded credentials), destroyed on teardown. */
export function embeddedStoreClient (t: Test, app: { readonly featureStore: { readonly endpoint: string | undefined } }): DynamoDBClient {
  const client = createDynamoClient({
    endpoint: app.featureStore.endpoint, region: 'us-east-1', maxSockets: 2, connectTimeoutMs: 1_000, maxAttempts: 1, retryBaseMs: 1, staticCredentials: { accessKeyId: 'embedded', secretAccessKey: 'embedded' }
  })
  t.teardown(() => client.destroy())
  return client
}

/** A scan's maxBytes when a test is about rows and items, not a page's bytes. */
export const NO_BYTE_LIMIT = Number.MAX_SAFE_INTEGER
