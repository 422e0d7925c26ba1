import t from 'tap'
import { connect, type Socket } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import * as grpc from '@grpc/grpc-js'
import { seededRandom } from '../../src/demo/seeded-random.js'
import { build } from '../helpers/build-app.js'

const GET_ONLINE = '/feature_store.v1.FeatureStoreService/GetOnlineFeatures'
const GET_REALTIME = '/feature_store.v1.FeatureStoreService/GetRealtimeFeatures'

/** A raw gRPC call with bytes we choose, so the server sees exactly what a broken client would send. */
async function rawCall (client: grpc.Client, method: string, bytes: Buffer): Promise<{ code: grpc.status, details: string }> {
  return await new Promise((resolve) => {
    client.makeUnaryRequest(method, (b: Buffer) => b, (b: Buffer) => b, bytes, { deadline: Date.now() + 10_000 },
      (error) => resolve(error === null ? { code: grpc.status.OK, details: '' } : { code: error.code, details: error.details }))
  })
}

/** Encodes a GetOnlineFeaturesRequest by hand (field 1: entity ids, field 2: feature refs), valid or not. */
function onlineRequest (entityIds: string[], features: string[]): Buffer {
  const parts: Buffer[] = []
  const field = (tag: number, value: Buffer): void => { parts.push(Buffer.from([tag]), varint(value.length), value) }
  for (const id of entityIds) field(0x0a, Buffer.from(id))
  for (const f of features) field(0x12, Buffer.from(f))
  return Buffer.concat(parts)
}

function varint (n: number): Buffer {
  const bytes: number[] = []
  while (n > 0x7f) { bytes.push((n & 0x7f) | 0x80); n >>>= 7 }
  bytes.push(n)
  return Buffer.from(bytes)
}

function gc (): void {
  setFlagsFromString('--expose-gc')
  const collect = runInNewContext('gc') as () => void
  collect()
  collect()
}

t.test('hostile input gets clear errors and the process stays up', async (t) => {
  const app = await build(t, { DEMO_USERS: '50' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const httpPort = (app.server.address() as { port: number }).port
  const client = new grpc.Client(`127.0.0.1:${app.grpcPort}`, grpc.credentials.createInsecure())
  t.teardown(() => client.close())
  const gql = async (body: string, contentType = 'application/json'): Promise<{ status: number, json: { errors?: Array<{ extensions?: { code?: string } }> } }> => {
    const response = await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': contentType }, payload: body })
    return { status: response.statusCode, json: response.json() }
  }
  const stillServing = async (): Promise<void> => {
    const ok = await rawCall(client, GET_ONLINE, onlineRequest(['user_1'], ['user_profile:region']))
    t.equal(ok.code, grpc.status.OK, 'gRPC still answers')
    t.equal((await app.inject('/livez')).statusCode, 200, 'HTTP still answers')
  }

  t.test('random and truncated protobuf bytes', async (t) => {
    const random = seededRandom(7)
    const valid = onlineRequest(['user_1', 'user_2'], ['user_text:embedding', 'user_profile'])
    for (let i = 0; i < 200; i++) {
      const bytes = i % 2 === 0
        ? Buffer.from(Array.from({ length: 1 + Math.floor(random() * 64) }, () => Math.floor(random() * 256)))
        : valid.subarray(0, Math.floor(random() * valid.length))
      const result = await rawCall(client, i % 4 < 2 ? GET_ONLINE : GET_REALTIME, bytes)
      // A truncation can still be a valid (shorter) message; anything else must be refused as the caller's fault.
      if (result.code !== grpc.status.OK && result.code !== grpc.status.NOT_FOUND && result.code !== grpc.status.INVALID_ARGUMENT) {
        t.fail(`bytes ${bytes.toString('hex')} gave ${grpc.status[result.code]}: ${result.details}`)
        break
      }
    }
    const garbage = await rawCall(client, GET_ONLINE, Buffer.from([0xff, 0xff, 0xff]))
    t.equal(garbage.code, grpc.status.INVALID_ARGUMENT)
    t.match(garbage.details, /not a valid|malformed|could not be decoded/i)
    await stillServing()
  })

  t.test('oversized gRPC message', async (t) => {
    const huge = onlineRequest(Array.from({ length: 60_000 }, (_, i) => `user_${i}_${'x'.repeat(64)}`), ['user_profile'])
    const result = await rawCall(client, GET_ONLINE, huge)
    t.equal(result.code, grpc.status.RESOURCE_EXHAUSTED)
    t.match(result.details, /larger than max/)
    await stillServing()
  })

  t.test('ids with control characters, broken unicode, or over the size limit', async (t) => {
    for (const id of ['a\u0000b', '\u001b[31mred', 'tab\there', 'x'.repeat(1025)]) {
      const result = await rawCall(client, GET_ONLINE, onlineRequest([id], ['user_profile']))
      t.equal(result.code, grpc.status.INVALID_ARGUMENT, JSON.stringify(id).slice(0, 40))
      t.match(result.details, /^Invalid entity id/)
    }
    // A lone surrogate cannot even be sent as UTF-8 over gRPC; over JSON it can, in a variable
    // (graphql's parser already refuses it inside the query text).
    const query = 'query ($ids: [String!]!) { getFeatures(entityIds: $ids, featureNames: ["user_profile"]) { entities { entityId } } }'
    const lone = await gql(JSON.stringify({ query, variables: { ids: ['\ud800'] } }))
    t.equal(lone.json.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT')
    t.match(JSON.stringify(lone.json), /well-formed Unicode/)
    const literal = await gql(JSON.stringify({ query: '{ getFeatures(entityIds: ["\\ud800"], featureNames: ["user_profile"]) { entities { entityId } } }' }))
    t.equal(literal.json.errors?.[0]?.extensions?.code, 'GRAPHQL_PARSE_FAILED')
    const emoji = await rawCall(client, GET_ONLINE, onlineRequest(['用户_🙂'], ['user_profile']))
    t.equal(emoji.code, grpc.status.OK, 'well-formed unicode is a valid (unknown) id')
  })

  t.test('names that would break a DynamoDB expression are refused, not interpolated', async (t) => {
    for (const ref of ['user_text:#a0', 'user_text:a.b', 'user_text:a[0]', 'user_text:_e', 'user_text: embedding', 'user_text:embedding,_e', ':x', 'a:b:c']) {
      const result = await rawCall(client, GET_ONLINE, onlineRequest(['user_1'], [ref]))
      t.equal(result.code, grpc.status.INVALID_ARGUMENT, ref)
    }
  })

  t.test('huge, malformed and wrongly typed JSON', async (t) => {
    const malformed = await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json' }, payload: '{"query": "{ featureSets { name } }"' })
    t.equal(malformed.statusCode, 400)
    const huge = await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ query: '{ featureSets { name } }', variables: { pad: 'x'.repeat(2 * 1024 * 1024) } }) })
    t.equal(huge.statusCode, 413)
    const wrongType = await gql(JSON.stringify({ query: 'query ($ids: [String!]!) { getFeatures(entityIds: $ids, featureNames: ["user_profile"]) { entities { entityId } } }', variables: { ids: 42 } }))
    t.equal(wrongType.status, 400)
    t.equal(wrongType.json.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT')
    const notAnObject = await gql('[1,2,3]')
    t.equal(notAnObject.status, 400)
    const deep = await gql(`{"query": "{ featureSets { name } }", "variables": ${'['.repeat(5000)}${']'.repeat(5000)}}`)
    t.equal(deep.status, 400, 'deeply nested JSON is refused, not a stack overflow')
    await stillServing()
  })

  t.test('thousands of connections opened and dropped; memory returns to its baseline', async (t) => {
    gc()
    const baseline = process.memoryUsage().heapUsed
    for (let round = 0; round < 4; round++) {
      const sockets: Socket[] = []
      await Promise.all(Array.from({ length: 500 }, async (_, i) => await new Promise<void>((resolve) => {
        const socket = connect(i % 2 === 0 ? httpPort : app.grpcPort, '127.0.0.1')
        sockets.push(socket)
        socket.on('error', () => resolve())
        socket.on('connect', () => {
          // Half send the start of something, then vanish: a request line, or an HTTP/2 preface.
          if (i % 4 === 0) socket.write('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"qu')
          if (i % 4 === 1) socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')
          resolve()
        })
      })))
      for (const socket of sockets) socket.destroy()
    }
    await new Promise((resolve) => setTimeout(resolve, 500))
    await stillServing()
    gc()
    const grown = process.memoryUsage().heapUsed - baseline
    t.ok(grown < 16 * 1024 * 1024, `heap grew by ${(grown / 1024 / 1024).toFixed(1)} MiB after 2,000 dropped connections`)
  })
})
