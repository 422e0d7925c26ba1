/**
 * One gateway for bench:embedded, with the embedded store where BENCH_STORE says: `thread` (as the
 * gateway runs it now, startEmbeddedDynamo) or `inline` (dynalite on the gateway's own event loop,
 * as it ran before). Everything else is the same: the demo data loaded through the store's writer
 * (timed), then the whole app on that endpoint. Reports its event-loop delay on request.
 */
import type { AddressInfo } from 'node:net'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import dynalite from 'dynalite'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { loadDemoData } from '../../src/demo/load-demo-data.js'
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../src/repo/embedded-dynamo.js'
import { openFeatureStore } from '../../src/repo/open-feature-store.js'
import { BENCH_CREDENTIALS } from '../grpc/protocol.js'
import type { GatewayLag, GatewayReady } from './protocol.js'

/** The embedded store exactly as it was started before it moved to a thread of its own. */
async function inlineDynamo (): Promise<EmbeddedDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }
}

const users = Number(process.env.BENCH_USERS ?? 10_000)
const dynamo = process.env.BENCH_STORE === 'inline' ? await inlineDynamo() : await startEmbeddedDynamo()
// The app's store client takes its credentials from the AWS chain, which reads process.env.
Object.assign(process.env, { DYNAMODB_ENDPOINT: dynamo.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey })
const env = process.env
const seeding = await openFeatureStore({ store: loadConfig(env).store, createTables: true, staticCredentials: BENCH_CREDENTIALS })
const loaded = await loadDemoData(seeding, users, loadConfig(env).store.demoSeed)
await seeding.close()

const app = await buildApp(loadConfig(env))
await app.listen({ host: '127.0.0.1', port: 0 })
const lag = monitorEventLoopDelay({ resolution: 1 })
lag.enable()
const ready: GatewayReady = { type: 'ready', grpcPort: app.grpcPort, httpPort: (app.server.address() as AddressInfo).port, demoLoadMs: loaded.milliseconds }
process.send?.(ready)
process.on('message', (message: 'reset' | 'read') => {
  if (message === 'reset') return lag.reset()
  const ms = (ns: number): number => ns / 1e6
  const reading: GatewayLag = { type: 'lag', p50: ms(lag.percentile(50)), p99: ms(lag.percentile(99)), max: ms(lag.max) }
  process.send?.(reading)
})
process.on('disconnect', () => { void app.close().then(async () => await dynamo.close()).finally(() => process.exit(0)) })
