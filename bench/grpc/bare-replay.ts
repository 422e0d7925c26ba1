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
import { randomUUID } from 'node:crypto'
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

// BARE_COMPANY (a comma list): the same bare server, with some of what shares the gateway's process
// around it, to tell what a call costs in our code from what it costs to share a process:
// `http`, an HTTP server that answered a few requests (Node's socket and stream code then sees more
// than http2 streams); `sdk`, an SDK client that calls the store once a second, as the change feed
// polls; `monitors`, two 10 ms event-loop delay monitors, as prom-client and the exploration queue keep;
// `headers`, each answer sent with the response metadata the gateway sends on every call (`x-request-id`,
// a fresh UUID; `x-ratelimit-limit` and `x-ratelimit-remaining`), to tell what grpc-js and http2 spend
// on them from what our code does.
const company = new Set((process.env.BARE_COMPANY ?? '').split(',').filter((part) => part !== ''))
const responseHeaders = company.has('headers')
let remaining = 1e9

const definition = protoLoader.loadSync('feature_store/v1/feature_store.proto', { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [protoDir] })
const method = (definition['feature_store.v1.FeatureStoreService'] as grpc.ServiceDefinition).GetOnlineFeatures!
const server = new grpc.Server({ 'grpc.max_send_message_length': 64 * 1024 * 1024 })
server.addService({ GetOnlineFeatures: { ...method, responseSerialize: (bytes: Buffer) => bytes } }, {
  GetOnlineFeatures: (call: grpc.ServerUnaryCall<LookupRequest, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
    const answer = answers.get(`${call.request.entity_ids.length}|${call.request.features.join(',')}`)
    if (answer === undefined) callback({ code: grpc.status.NOT_FOUND, details: 'no captured answer for this lookup' })
    else {
      if (responseHeaders) {
        const headers = new grpc.Metadata()
        headers.set('x-request-id', randomUUID())
        headers.set('x-ratelimit-limit', '1000000000')
        headers.set('x-ratelimit-remaining', String(--remaining))
        call.sendMetadata(headers)
      }
      callback(null, answer)
    }
  }
})
server.bindAsync(`127.0.0.1:${process.env.BARE_PORT ?? '0'}`, grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error !== null) throw error
  process.stdout.write(`${port}\n`)
})
process.on('SIGTERM', () => { server.forceShutdown(); process.exit(0) })

if (company.has('monitors')) {
  const { monitorEventLoopDelay } = await import('node:perf_hooks')
  monitorEventLoopDelay({ resolution: 10 }).enable()
  monitorEventLoopDelay({ resolution: 10 }).enable()
}
if (company.has('http')) {
  const http = await import('node:http')
  const neighbour = http.createServer((_request, response) => response.end('{"ok":true}')).listen(0, '127.0.0.1')
  await new Promise((resolve) => neighbour.once('listening', resolve))
  const { port } = neighbour.address() as { port: number }
  for (let i = 0; i < 200; i++) await (await fetch(`http://127.0.0.1:${port}/`)).text()
}
if (company.has('sdk') || company.has('sdk-once')) {
  const { DynamoDBClient, ListTablesCommand } = await import('@aws-sdk/client-dynamodb')
  const client = new DynamoDBClient({ endpoint: process.env.BARE_STORE_ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'featuregatebench', secretAccessKey: 'featuregatebench' } })
  await client.send(new ListTablesCommand({}))
  // `sdk-once`: the SDK loaded and used once, then idle (what its presence costs, apart from its calls).
  if (company.has('sdk')) setInterval(() => { client.send(new ListTablesCommand({})).catch(() => {}) }, 1_000)
}
