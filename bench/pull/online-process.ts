/**
 * The online lookups of bench:pull, in a process of their own: the pulls' readers (Arrow decoding of four
 * streams) run in the bench's process, and lookups timed on that same event loop would wait for them,
 * counting the reader's work as the gateway's latency.
 */
import { FeatureStoreClient } from '../../examples/grpc-client.js'
import { grpcLoad } from '../shared/online-load.js'
import type { OnlineLoadJob, OnlineLoadResult } from './protocol.js'

let client: FeatureStoreClient | undefined

process.on('message', (job: OnlineLoadJob) => {
  void (async () => {
    client ??= new FeatureStoreClient(`127.0.0.1:${job.grpcPort}`, { defaultDeadlineMs: 5_000 })
    const figures = await grpcLoad(client, job.load)
    const result: OnlineLoadResult = { type: 'online', ...figures }
    process.send?.(result)
  })()
})
process.send?.({ type: 'ready' })
process.on('disconnect', () => { client?.close(); process.exit(0) })
