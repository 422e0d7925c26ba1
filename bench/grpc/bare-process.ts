/**
 * The floor for gRPC on this machine: a bare grpc-js server for the same service that answers
 * every call with one prepared response (bytes read from a file, sent as they are: no lookup, no
 * encoding). Requests are decoded as the gateway decodes them, so only the work differs.
 */
import { readFileSync } from 'node:fs'
import * as grpc from '@grpc/grpc-js'
import { loadProtoContract } from '../../src/plugins/grpc/proto-contract.js'
import type { ServerReady } from './protocol.js'

const prepared = readFileSync(process.argv[2]!)
const { featureStore } = loadProtoContract()
const loaded = featureStore.FeatureStoreService.service
const server = new grpc.Server({ 'grpc.max_send_message_length': 64 * 1024 * 1024 })
server.addService({
  GetOnlineFeatures: { ...loaded.GetOnlineFeatures, responseSerialize: (bytes: Buffer) => bytes }
}, {
  GetOnlineFeatures: (_call: grpc.ServerUnaryCall<unknown, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, prepared)
})
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error !== null) throw error
  const ready: ServerReady = { type: 'ready', port }
  process.send?.(ready)
})
process.on('disconnect', () => { server.forceShutdown(); process.exit(0) })
