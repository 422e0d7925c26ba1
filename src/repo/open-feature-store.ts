import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { StoreConfig } from '../config.js'
import type { BulkReader } from '../domain/ports/bulk-reader.js'
import type { FeatureStore } from '../domain/ports/feature-store.js'
import { NO_OP_OBSERVER, type StoreObserver } from '../domain/ports/store-observer.js'
import { Semaphore } from '../lib/semaphore.js'
import type { BatchGetContext } from './batch-get.js'
import { createDynamoClient, warmConnections, type StaticCredentials } from './dynamo-client.js'
import { DynamoBudgetLedger } from './dynamo-budget-ledger.js'
import { DynamoRowReader } from './dynamo-row-reader.js'
import { startEmbeddedDynamo, type EmbeddedDynamo } from './embedded-dynamo.js'
import { FeatureScanner } from './feature-scan.js'
import { FeatureWriter } from './feature-writer.js'
import { RegistryStore } from './registry-store.js'
import { toStoreError } from './store-errors.js'
import { backfillShardKeys, ensureBudgetTable, ensureChangeTable, ensureTables, featureLayoutProblem } from './tables.js'
import { ChangeLog } from './change-log.js'

export interface OpenStoreOptions {
  readonly store: StoreConfig
  readonly observer?: StoreObserver
  /** Create the tables when missing (always in embedded mode). */
  readonly createTables?: boolean
  /**
   * Fixed credentials instead of the AWS chain, for local DynamoDB-compatible servers (which accept
   * any) when none are configured: the CLI against a local endpoint, tests.
   */
  readonly staticCredentials?: StaticCredentials
  /** Scan calls in flight for bulk reads (default 4). */
  readonly bulkMaxConcurrentCalls?: number
  /**
   * Create the change log table when missing even if createTables is off: writers (the CLI's ingest and
   * apply) must be able to announce what they write, and need nothing else created.
   */
  readonly ensureChangeTable?: boolean
  /** Progress of creating and migrating tables, one line at a time (create-tables prints it). */
  readonly onProgress?: (line: string) => void
  /** Told, when tables are not created here, what keeps pulls from working (e.g. the by-set index missing). */
  readonly onLayoutProblem?: (problem: string) => void
  /** The embedded store's thread stopped while open (its calls then fail as unavailable): for the log. */
  readonly onEmbeddedStoreFailure?: (error: Error) => void
}

const UNPROCESSED_RETRIES = 8
const EMBEDDED_CREDENTIALS: StaticCredentials = { accessKeyId: 'embedded', secretAccessKey: 'embedded' }

/** Opens the DynamoDB implementation of the store ports from configuration: client (or embedded server), tables, bulk scanner. */
export async function openFeatureStore (options: OpenStoreOptions): Promise<FeatureStore> {
  const { store } = options
  let embedded: EmbeddedDynamo | undefined
  let endpoint = store.endpoint
  if (store.mode === 'embedded') {
    embedded = await startEmbeddedDynamo({ dataDir: store.embeddedDataDir, ...(options.onEmbeddedStoreFailure !== undefined && { onFailure: options.onEmbeddedStoreFailure }) })
    endpoint = embedded.endpoint
  }
  const staticCredentials = embedded !== undefined ? EMBEDDED_CREDENTIALS : options.staticCredentials
  const client: DynamoDBClient = createDynamoClient({
    endpoint,
    region: store.region,
    maxSockets: store.maxSockets,
    connectTimeoutMs: store.connectTimeoutMs,
    maxAttempts: store.maxAttempts,
    retryBaseMs: store.retryBaseMs,
    ...(staticCredentials !== undefined && { staticCredentials })
  })
  try {
    if (embedded !== undefined || options.createTables === true) {
      await ensureTables(client, store.featureTable, store.registryTable, options.onProgress)
      await ensureChangeTable(client, store.changeTable)
    } else if (options.ensureChangeTable === true) {
      await ensureChangeTable(client, store.changeTable)
    }
    if (embedded !== undefined || options.createTables === true) await ensureBudgetTable(client, store.budgetTable)
    // Rows written before the by-set layout need a shard key to be pulled; an embedded store's tables are always current.
    if (options.createTables === true) await backfillShardKeys(client, store.featureTable, options.onProgress)
    if (embedded === undefined && options.createTables !== true && options.onLayoutProblem !== undefined) {
      const problem = await featureLayoutProblem(client, store.featureTable)
      if (problem !== undefined) options.onLayoutProblem(problem)
    }
    await warmConnections(client, store.featureTable, Math.min(store.maxSockets, 8))
  } catch (error) {
    client.destroy()
    await embedded?.close()
    throw error
  }
  const observer = options.observer ?? NO_OP_OBSERVER
  const context: BatchGetContext = {
    client,
    table: store.featureTable,
    semaphore: new Semaphore(store.maxConcurrentCalls),
    observer,
    retryBaseMs: store.retryBaseMs,
    maxUnprocessedRetries: UNPROCESSED_RETRIES
  }
  const scanner = FeatureScanner.open(store, endpoint, staticCredentials, observer, options.bulkMaxConcurrentCalls ?? 4)
  // Every write through these ports is announced in the change log, so every replica forgets the old rows.
  const changes = new ChangeLog(client, store.changeTable)
  return {
    rows: new DynamoRowReader(context),
    registry: new RegistryStore(client, store.registryTable, changes),
    writer: new FeatureWriter(client, store.featureTable, { retryBaseMs: store.retryBaseMs, maxUnprocessedRetries: UNPROCESSED_RETRIES }, changes),
    changes,
    bulk: scanner,
    budgets: new DynamoBudgetLedger(client, store.budgetTable),
    endpoint,
    embedded: embedded !== undefined,
    async ping (signal) {
      try {
        await client.send(new DescribeTableCommand({ TableName: store.featureTable }), { abortSignal: signal ?? AbortSignal.timeout(1_000) })
      } catch (error) {
        throw toStoreError(error, 'checking the store', undefined)
      }
    },
    async close () {
      scanner.close()
      client.destroy()
      await embedded?.close()
    }
  }
}

export interface BulkReaderOptions {
  readonly store: StoreConfig
  /** The endpoint the store was opened at (the embedded store's own when it is embedded). */
  readonly endpoint: string | undefined
  readonly embedded: boolean
  readonly observer: StoreObserver
  readonly maxConcurrentCalls: number
}

/**
 * A bulk reader of an already opened store on a client of its own: for a pull thread, which cannot
 * share the gateway thread's client. Same endpoint, same credentials; nothing is created.
 */
export function openBulkReader (options: BulkReaderOptions): BulkReader & { close: () => void } {
  return FeatureScanner.open(options.store, options.endpoint, options.embedded ? EMBEDDED_CREDENTIALS : undefined, options.observer, options.maxConcurrentCalls)
}
