/**
 * The floor for the cache-hit path: a bare grpc-js server for the gateway's service that answers each
 * call with the gateway's own captured answer for that lookup (bytes, sent as they are: no lookup, no
 * encoding). Requests are decoded as the gateway decodes them (proto-loader, same options), so only
 * the work in between differs. It imports nothing from src/, so the bench can run it compiled on
 * plain node, as the compiled gateway runs.
 *
 * argv: <proto dir> <answers.json>, where answers.json is [{ key, file }] and key is
 * `<entity count>|<feature refs joined by ','>`.
 */
import { readFileSync } from 'node:fs'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'

interface CapturedAnswer {
  readonly key: string
  readonly file: string
}

interface LookupRequest {
  readonly entity_ids: string[]
  readonly features: string[]
}

const [protoDir, answersFile] = process.argv.slice(2) as [string, string]
const answers = new Map<string, Buffer>()
for (const { key, file } of JSON.parse(readFileSync(answersFile, 'utf8')) as CapturedAnswer[]) answers.set(key, readFileSync(file))

const definition = protoLoader.loadSync('feature_store/v1/feature_store.proto', { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [protoDir] })
const method = (definition['feature_store.v1.FeatureStoreService'] as grpc.ServiceDefinition).GetOnlineFeatures!
const server = new grpc.Server({ 'grpc.max_send_message_length': 64 * 1024 * 1024 })
server.addService({ GetOnlineFeatures: { ...method, responseSerialize: (bytes: Buffer) => bytes } }, {
  GetOnlineFeatures: (call: grpc.ServerUnaryCall<LookupRequest, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
    const answer = answers.get(`${call.request.entity_ids.length}|${call.request.features.join(',')}`)
    if (answer === undefined) callback({ code: grpc.status.NOT_FOUND, details: 'no captured answer for this lookup' })
    else callback(null, answer)
  }
})
server.bindAsync(`127.0.0.1:${process.env.BARE_PORT ?? '0'}`, grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error !== null) throw error
  process.stdout.write(`${port}\n`)
})
process.on('SIGTERM', () => { server.forceShutdown(); process.exit(0) })
