import type { Test } from 'tap'
import { FeatureLookup } from '../../src/core/feature-lookup.js'
import { FeatureRegistry } from '../../src/core/feature-registry.js'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { createDynamoClient } from '../../src/repo/dynamo-client.js'
import { openFeatureStore, type FeatureStore } from '../../src/repo/open-feature-store.js'
import type { StoreObserver } from '../../src/repo/store-observer.js'
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
 */
export interface TestStore extends FeatureStore {
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
    ...config,
    createTables: true,
    staticCredentials: LOCAL_CREDENTIALS,
    ...(options.observer !== undefined && { observer: options.observer }),
    ...(options.clock !== undefined && { clock: options.clock })
  })
  t.teardown(async () => await store.close())
  return Object.assign(store, { featureTable: config.store.featureTable, registryTable: config.store.registryTable })
}

/** The lookup service over a store, with the registry loaded from the store's registry table. */
export async function lookupOver (store: FeatureStore, env: Record<string, string> = {}): Promise<{ lookup: FeatureLookup, registry: FeatureRegistry }> {
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
