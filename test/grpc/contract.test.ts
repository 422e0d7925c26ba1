import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Metadata, status } from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import t from 'tap'
import { CHANNEL_OPTIONS, LOADER_OPTIONS as CLIENT_LOADER_OPTIONS } from '../../examples/grpc-client.js'
import type { FeatureValue } from '../../src/domain/feature-value.js'
import type { ErrorKind } from '../../src/errors.js'
import { DeadlineExceededError, InvalidConfigError, StoreThrottledError, UnknownFeatureSetError } from '../../src/errors.js'
import { MAX_RECEIVE_MESSAGE_BYTES, MAX_SEND_MESSAGE_BYTES, SERVER_KEEPALIVE } from '../../src/plugins/grpc/grpc-server.js'
import { FEATURE_STORE_PROTO, findProtoDir, LOADER_OPTIONS } from '../../src/plugins/grpc/proto-contract.js'
import { createResponseCodec } from '../../src/plugins/grpc/response-codec.js'
import { INTERNAL_MESSAGE, STATUS_OF_KIND, toGrpcFailure } from '../../src/plugins/grpc/status-mapping.js'
import { encodeValue, int64 } from '../../src/plugins/grpc/value-encoding.js'
import type { OnlineResponseWire } from '../../src/plugins/grpc/wire-types.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const GENERATED = join(ROOT, 'src/generated/proto')

function listFiles (dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? listFiles(path) : [path]
  })
}

/** The generator's arguments exactly as `npm run proto:gen` passes them. */
function protoGenArgs (): string[] {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
  const command = scripts['proto:gen']!.split('&&').map((part) => part.trim()).find((part) => part.startsWith('proto-loader-gen-types'))!
  return command.split(/\s+/).slice(1)
}

t.test('the committed TypeScript types are what proto:gen generates from the current .proto files', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'fg-proto-gen-'))
  t.teardown(() => rmSync(out, { recursive: true, force: true }))
  const args = protoGenArgs()
  const o = args.indexOf('-O')
  t.equal(args[o + 1], 'src/generated/proto', 'the script writes where the code imports from')
  args[o + 1] = out
  execFileSync(join(ROOT, 'node_modules/.bin/proto-loader-gen-types'), args, { cwd: ROOT })
  const expected = listFiles(out).map((path) => relative(out, path)).sort()
  const committed = listFiles(GENERATED).map((path) => relative(GENERATED, path)).sort()
  t.same(committed, expected, 'same files (run `npm run proto:gen` after editing proto/)')
  for (const file of expected) {
    t.equal(readFileSync(join(GENERATED, file), 'utf8'), readFileSync(join(out, file), 'utf8'), `${file} is up to date`)
  }
})

t.test('the loader options match the generator flags, and the example client uses the same', async (t) => {
  const args = protoGenArgs()
  t.equal(LOADER_OPTIONS.keepCase, args.includes('--keepCase'))
  t.equal(LOADER_OPTIONS.defaults, args.includes('--defaults'))
  t.equal(LOADER_OPTIONS.oneofs, args.includes('--oneofs'))
  t.ok(args.includes(`--longs=${LOADER_OPTIONS.longs.name}`), 'longs')
  t.ok(args.includes(`--enums=${LOADER_OPTIONS.enums.name}`), 'enums')
  t.same(CLIENT_LOADER_OPTIONS, LOADER_OPTIONS)
})

t.test('the example client\'s channel fits the server: message limits and keep-alive', async (t) => {
  t.ok(CHANNEL_OPTIONS['grpc.max_receive_message_length'] >= MAX_SEND_MESSAGE_BYTES, 'the client accepts the largest answer the server sends')
  t.ok(CHANNEL_OPTIONS['grpc.max_send_message_length'] <= MAX_RECEIVE_MESSAGE_BYTES, 'the client never sends what the server refuses')
  t.equal(CHANNEL_OPTIONS['grpc.keepalive_time_ms'], SERVER_KEEPALIVE['grpc.keepalive_time_ms'], 'same ping interval as the server')
  t.equal(CHANNEL_OPTIONS['grpc.keepalive_timeout_ms'], SERVER_KEEPALIVE['grpc.keepalive_timeout_ms'])
})

t.test('the proto imports nothing (no well-known types for reflection clients to trip on)', async (t) => {
  const text = readFileSync(join(findProtoDir(), FEATURE_STORE_PROTO), 'utf8')
  t.notMatch(text, /^\s*import\s/m)
})

t.test('the response codec writes what the generic protobuf encoder writes, embeddings included', async (t) => {
  const codec = createResponseCodec(findProtoDir())
  const generic = protoLoader.loadSync(FEATURE_STORE_PROTO, { ...LOADER_OPTIONS, includeDirs: [findProtoDir()] })
  const method = (generic['feature_store.v1.FeatureStoreService'] as protoLoader.ServiceDefinition).GetOnlineFeatures!
  const embedding = new Float32Array([0.1, -0, 1.401298464324817e-45, -3.4028234663852886e38, 7])
  // A Float32Array view into a larger buffer at an offset, as the repository hands them out.
  const backing = new Float32Array(16)
  backing.set(embedding, 3)
  const view = backing.subarray(3, 3 + embedding.length)
  const message: OnlineResponseWire = {
    feature_refs: ['s:embedding', 's:count', 's:tags'],
    entity_ids: ['a', 'b'],
    results: [
      { values: [{ float_vector_value: { values: view } }, encodeValue(null)], statuses: [codec.statusNumber.PRESENT, codec.statusNumber.NOT_FOUND], event_times_ms: [1_700_000_000_000, 0] },
      { values: [encodeValue({ type: 'int64', value: 9223372036854775807n }), encodeValue({ type: 'int64', value: -5n })], statuses: [codec.statusNumber.STALE, codec.statusNumber.PRESENT], event_times_ms: [1, 2] },
      { values: [encodeValue({ type: 'string_list', value: ['x', 'ÿ'] }), encodeValue({ type: 'float_vector', value: new Float32Array(0) })], statuses: [codec.statusNumber.NULL_VALUE, codec.statusNumber.INVALID], event_times_ms: [3, 4] }
    ]
  }
  const ours = codec.encodeOnline(message)
  // The generic path wants plain arrays and enum names.
  const plain = {
    ...message,
    results: message.results.map((column) => ({
      ...column,
      statuses: column.statuses.map((n) => ['', 'FEATURE_STATUS_PRESENT', 'FEATURE_STATUS_NULL_VALUE', 'FEATURE_STATUS_NOT_FOUND', 'FEATURE_STATUS_STALE', 'FEATURE_STATUS_INVALID'][n]),
      values: column.values.map((v) => v.float_vector_value === undefined ? v : { float_vector_value: { values: Array.from(v.float_vector_value.values) } })
    }))
  }
  t.same(ours.toString('hex'), method.responseSerialize(plain).toString('hex'), 'byte-identical')
  const decoded = method.responseDeserialize(ours) as { results: Array<{ values: Array<{ float_vector_value?: { values: number[] } }> }> }
  t.same(Buffer.from(Float32Array.from(decoded.results[0]!.values[0]!.float_vector_value!.values).buffer).toString('hex'),
    Buffer.from(embedding.buffer).toString('hex'), 'embedding bit for bit')
})

/** A deterministic stream of awkward values of every type, for the encoder's property test. */
function randomValue (next: () => number): FeatureValue | null {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!
  const int = (): bigint => pick([0n, 1n, -1n, 127n, 128n, 16_383n, 16_384n, 2n ** 31n, -(2n ** 31n), 2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n, BigInt(Math.floor(next() * 1e15))])
  const str = (): string => pick(['', 'a', 'héllo', '世界', '🌍 emoji', 'x'.repeat(200), 'line\nbreak'])
  const list = <T>(make: () => T): T[] => Array.from({ length: pick([0, 1, 3, 40]) }, make)
  switch (pick(['null', 'double', 'int64', 'string', 'bool', 'bytes', 'timestamp', 'float_vector', 'double_list', 'int64_list', 'string_list', 'bool_list'] as const)) {
    case 'null': return null
    case 'double': return { type: 'double', value: pick([0, -0.5, 1e-300, 1e300, Math.PI, -1, next()]) }
    case 'int64': return { type: 'int64', value: int() }
    case 'string': return { type: 'string', value: str() }
    case 'bool': return { type: 'bool', value: next() < 0.5 }
    case 'bytes': return { type: 'bytes', value: Uint8Array.from(list(() => Math.floor(next() * 256))) }
    case 'timestamp': return { type: 'timestamp', value: pick([0, 1_700_000_000_000, Date.UTC(2100, 0, 1)]) }
    case 'float_vector': return { type: 'float_vector', value: Float32Array.from(list(() => next() * 2 - 1)) }
    case 'double_list': return { type: 'double_list', value: list(() => next() * 1e6 - 5e5) }
    case 'int64_list': return { type: 'int64_list', value: list(int) }
    case 'string_list': return { type: 'string_list', value: list(str) }
    case 'bool_list': return { type: 'bool_list', value: list(() => next() < 0.5) }
  }
}

t.test('the online response codec is byte-identical to the generic protobuf encoder on random answers of every value type', async (t) => {
  const codec = createResponseCodec(findProtoDir())
  const generic = protoLoader.loadSync(FEATURE_STORE_PROTO, { ...LOADER_OPTIONS, includeDirs: [findProtoDir()] })
  const method = (generic['feature_store.v1.FeatureStoreService'] as protoLoader.ServiceDefinition).GetOnlineFeatures!
  const names = ['', 'FEATURE_STATUS_PRESENT', 'FEATURE_STATUS_NULL_VALUE', 'FEATURE_STATUS_NOT_FOUND', 'FEATURE_STATUS_STALE', 'FEATURE_STATUS_INVALID']
  let state = 12345
  const next = (): number => { state = (state * 1_103_515_245 + 12_345) % 2 ** 31; return state / 2 ** 31 }
  for (let round = 0; round < 200; round++) {
    const entities = Math.floor(next() * 4)
    const features = 1 + Math.floor(next() * 5)
    const message: OnlineResponseWire = {
      feature_refs: Array.from({ length: features }, (_, j) => `set_${j}:feature_${j}`),
      entity_ids: Array.from({ length: entities }, (_, i) => `entity_${i}_${'é'.repeat(i)}`),
      results: Array.from({ length: features }, () => ({
        values: Array.from({ length: entities }, () => encodeValue(randomValue(next))),
        statuses: Array.from({ length: entities }, () => (1 + Math.floor(next() * 5)) as 1 | 2 | 3 | 4 | 5),
        event_times_ms: Array.from({ length: entities }, () => Math.floor(next() * 2e12))
      }))
    }
    const plain = {
      ...message,
      results: message.results.map((column) => ({
        ...column,
        statuses: column.statuses.map((n) => names[n]),
        values: column.values.map((v) => v.float_vector_value == null ? v : { float_vector_value: { values: Array.from(v.float_vector_value.values) } })
      }))
    }
    const ours = codec.encodeOnline(message).toString('hex')
    const theirs = method.responseSerialize(plain).toString('hex')
    if (ours !== theirs) {
      t.equal(ours, theirs, `round ${round}: byte-identical`)
      return
    }
  }
  t.pass('200 random answers encoded byte for byte as protobufjs does')
})

t.test('int64 goes out as an exact number when it can, as a decimal string when it must', async (t) => {
  t.equal(int64(42n), 42)
  t.equal(int64(9007199254740991n), 9007199254740991)
  t.equal(int64(9007199254740992n), '9007199254740992')
  t.equal(int64(-9223372036854775808n), '-9223372036854775808')
})

t.test('status mapping: one gRPC status per error kind; internals never reach the caller', async (t) => {
  const expected: Record<ErrorKind, status> = {
    invalid_argument: status.INVALID_ARGUMENT,
    not_found: status.NOT_FOUND,
    deadline_exceeded: status.DEADLINE_EXCEEDED,
    unavailable: status.UNAVAILABLE,
    resource_exhausted: status.RESOURCE_EXHAUSTED,
    unauthenticated: status.UNAUTHENTICATED,
    permission_denied: status.PERMISSION_DENIED,
    internal: status.INTERNAL
  }
  t.same(STATUS_OF_KIND, expected)
  t.match(toGrpcFailure(new UnknownFeatureSetError('x')), { code: status.INVALID_ARGUMENT, codeName: 'INVALID_ARGUMENT', details: 'Unknown feature set "x"', unexpected: false })
  t.match(toGrpcFailure(new StoreThrottledError()), { code: status.RESOURCE_EXHAUSTED, codeName: 'RESOURCE_EXHAUSTED' })
  t.match(toGrpcFailure(new DeadlineExceededError('reading features')), { code: status.DEADLINE_EXCEEDED })
  for (const error of [new Error('connect ECONNREFUSED 10.1.2.3:8000'), new TypeError('x is undefined'), 'a string', new InvalidConfigError('/etc/secret.yaml unreadable')]) {
    const failure = toGrpcFailure(error)
    t.same({ code: failure.code, details: failure.details, unexpected: failure.unexpected }, { code: status.INTERNAL, details: INTERNAL_MESSAGE, unexpected: true })
    t.equal(failure.metadata, undefined)
  }
  t.match(toGrpcFailure(new Error('whatever'), 'expired'), { code: status.DEADLINE_EXCEEDED, unexpected: false }, 'past its deadline a call is DEADLINE_EXCEEDED, whatever was thrown')
  t.match(toGrpcFailure(new Error('whatever'), 'cancelled'), { code: status.CANCELLED, unexpected: false })
  const limited = toGrpcFailure(new StoreThrottledError({ retryAfterSeconds: 1.2 }))
  t.ok(limited.metadata instanceof Metadata)
  t.same(limited.metadata?.get('retry-after'), ['2'])
})
