/**
 * The whole gateway serving both protocols (HTTP on a port of its own too), for the isolation
 * benchmark. Tells its parent both ports.
 */
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'

const app = await buildApp(loadConfig(process.env))
await app.listen({ host: '127.0.0.1', port: 0 })
const address = app.server.address()
process.send?.({ type: 'ready', grpcPort: app.grpcPort, httpPort: typeof address === 'object' && address !== null ? address.port : 0 })
process.on('disconnect', () => { void app.close().finally(() => process.exit(0)) })
