/**
 * The store for the benchmark, in a process of its own: dynalite with the demo data, as a real
 * DynamoDB would sit across the network from the gateway. Tells its parent the endpoint over IPC
 * and lives until the parent disconnects or kills it.
 */
import { loadDemoData } from '../../src/demo/load-demo-data.js'
import { loadConfig } from '../../src/config.js'
import { startEmbeddedDynamo } from '../../src/repo/embedded-dynamo.js'
import { openFeatureStore } from '../../src/repo/open-feature-store.js'
import { BENCH_CREDENTIALS, type StoreReady } from './protocol.js'

const users = Number(process.env.BENCH_USERS ?? 10_000)
const dynamo = await startEmbeddedDynamo()
const config = loadConfig({ DYNAMODB_ENDPOINT: dynamo.endpoint, AWS_REGION: 'us-east-1' })
const store = await openFeatureStore({ ...config, createTables: true, staticCredentials: BENCH_CREDENTIALS })
const loaded = await loadDemoData(store, users, config.store.demoSeed)
await store.close()

const ready: StoreReady = { type: 'ready', endpoint: dynamo.endpoint, featureTable: config.store.featureTable, registryTable: config.store.registryTable, users: loaded.users, loadMs: loaded.milliseconds }
process.send?.(ready)
process.on('disconnect', () => { void dynamo.close().finally(() => process.exit(0)) })
