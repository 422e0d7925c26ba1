import type { BudgetLedger } from './budget-ledger.js'
import type { BulkReader } from './bulk-reader.js'
import type { ChangeFeed } from './change-feed.js'
import type { RegistryStorage } from './registry-storage.js'
import type { RowReader } from './row-reader.js'
import type { RowWriter } from './row-writer.js'

/**
 * One opened store, as the ports the gateway and the CLI use: nothing here names an implementation.
 * src/repo opens the DynamoDB one; the app wires it to the core.
 */
export interface FeatureStore {
  /** Rows by key for online lookups, uncached: the core's cache and batcher wrap it. */
  readonly rows: RowReader
  /** Bulk reads (pulls, statistics), with their own connections and cap so they cannot starve lookups. */
  readonly bulk: BulkReader
  readonly registry: RegistryStorage
  readonly writer: RowWriter
  /** What was written anywhere (every writer through these ports appends to it), for other replicas' caches. */
  readonly changes: ChangeFeed
  /** Callers' budgets shared by every replica over this store. */
  readonly budgets: BudgetLedger
  /** The endpoint in use, for the start-up log line; undefined means the provider's default. */
  readonly endpoint: string | undefined
  /** True when the store runs inside this process (the embedded demo store). */
  readonly embedded: boolean
  /** Resolves when the store answers; rejects with a typed store error otherwise. */
  ping (signal?: AbortSignal): Promise<void>
  close (): Promise<void>
}
