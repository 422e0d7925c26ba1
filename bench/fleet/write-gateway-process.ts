/**
 * One gateway (buildApp, every plugin, metrics on) for the write benchmark, listening on HTTP and
 * gRPC (ports 0), on the store its environment names. Reports both ports to its parent over IPC
 * and lives until the parent disconnects.
 */
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'

export interface WriteGatewayReady {
  readonly type: 'ready'
  readonly httpPort: number
  readonly grpcPort: number
}

const app = await buildApp(loadConfig(process.env))
await app.listen({ host: '127.0.0.1', port: 0 })
const address = app.server.address()
const ready: WriteGatewayReady = { type: 'ready', httpPort: typeof address === 'object' && address !== null ? address.port : 0, grpcPort: app.grpcPort }
process.send?.(ready)
process.on('disconnect', () => { void app.close().finally(() => process.exit(0)) })
