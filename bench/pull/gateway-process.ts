/**
 * The whole gateway (buildApp, every plugin, both protocols) for bench:pull, on the benchmark's store.
 * It counts, through its observer (told of every featureRows and POST /v1/pull page, pull threads'
 * included), the pages it read, their rows and the items the store examined for them, and reports them
 * to its parent on request: the gateway's own items-examined figure for a streamed pull.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import type { ExportCounts, GatewayReady, GatewayRequest, LoopDelay } from './protocol.js'

const app = await buildApp(loadConfig(process.env))
await app.listen({ host: '127.0.0.1', port: 0 })

const counts = { pages: 0, rows: 0, itemsScanned: 0 }
// Every featureRows page and pull page, on this thread or a pull thread, is told to the observer.
const observer = app.observer
const exportPage = observer.exportPage.bind(observer)
observer.exportPage = (protocol, rows, itemsExamined) => {
  counts.pages++
  counts.rows += rows
  counts.itemsScanned += itemsExamined
  exportPage(protocol, rows, itemsExamined)
}

// How long the gateway's own callbacks waited for the loop in a phase: the server side of the online p99.
const loopDelay = monitorEventLoopDelay({ resolution: 10 })
loopDelay.enable()

const address = app.server.address()
const ready: GatewayReady = { type: 'ready', grpcPort: app.grpcPort, httpPort: typeof address === 'object' && address !== null ? address.port : 0 }
process.send?.(ready)
process.on('message', (message: GatewayRequest) => {
  if (message.type === 'counts') {
    const reply: ExportCounts = { type: 'counts', ...counts }
    process.send?.(reply)
  } else if (message.type === 'loop-delay') {
    const reply: LoopDelay = { type: 'loop-delay', p99Ms: loopDelay.percentile(99) / 1e6, maxMs: loopDelay.max / 1e6 }
    loopDelay.reset()
    process.send?.(reply)
  } else {
    void app.close().finally(() => process.exit(0))
  }
})
process.on('disconnect', () => { void app.close().finally(() => process.exit(0)) })
