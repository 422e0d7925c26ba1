/**
 * The whole gateway (buildApp, every plugin, metrics on) on the benchmark's store. It counts, through
 * the app's own observer, the store calls it makes and the gRPC calls it answers, and reports them
 * to its parent on request.
 */
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import type { GatewayCounts, ParentMessage, ServerReady } from './protocol.js'

const app = await buildApp(loadConfig(process.env))
await app.ready()

const counts = { storeCalls: 0, storeSeconds: 0, keysRead: 0, grpcCalls: 0, grpcSeconds: 0 }
const observer = app.observer
const storeCall = observer.storeCall.bind(observer)
const batchGet = observer.batchGet.bind(observer)
const grpcCall = observer.grpcCall.bind(observer)
observer.storeCall = (operation, seconds, outcome) => {
  if (operation === 'BatchGetItem') {
    counts.storeCalls++
    counts.storeSeconds += seconds
  }
  storeCall(operation, seconds, outcome)
}
observer.batchGet = (keys, merged) => {
  counts.keysRead += keys
  batchGet(keys, merged)
}
observer.grpcCall = (method, code, seconds) => {
  counts.grpcCalls++
  counts.grpcSeconds += seconds
  grpcCall(method, code, seconds)
}

const ready: ServerReady = { type: 'ready', port: app.grpcPort }
process.send?.(ready)
process.on('message', (message: ParentMessage) => {
  if (message.type === 'counts') {
    const reply: GatewayCounts = { type: 'counts', ...counts }
    process.send?.(reply)
  } else {
    void app.close().finally(() => process.exit(0))
  }
})
process.on('disconnect', () => { void app.close().finally(() => process.exit(0)) })
