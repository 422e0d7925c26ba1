import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import protobuf from 'protobufjs'
import descriptor, { type IDescriptorProto, type IFileDescriptorProto } from 'protobufjs/ext/descriptor/index.js'
import t from 'tap'
import type { Test } from 'tap'
import { HealthService } from '../../src/plugins/grpc/health-service.js'
import { findProtoDir } from '../../src/plugins/grpc/proto-contract.js'
import { mapEntryName } from '../../src/plugins/grpc/reflection-descriptors.js'
import { build } from '../helpers/build-app.js'
import { check, healthClientFor } from './harness.js'

const app = await build(t, { DEMO_USERS: '20' })
const health = healthClientFor(t, app)

t.test('health starts NOT_SERVING and follows readiness; shutdown is final and ends watch streams', async (t) => {
  let ready = false
  const service = new HealthService({ services: ['x.Y'], check: async () => ready })
  t.equal(service.status, 'NOT_SERVING', 'not serving before anyone asked readiness')
  t.equal(await service.refresh(), 'NOT_SERVING')
  ready = true
  t.equal(await service.refresh(), 'SERVING')
  const failing = new HealthService({ services: [], check: async () => { throw new Error('store down') } })
  t.equal(await failing.refresh(), 'NOT_SERVING', 'a readiness check that throws is not ready')
  service.shutdown()
  t.equal(service.status, 'NOT_SERVING')
  t.equal(await service.refresh(), 'NOT_SERVING', 'readiness cannot bring it back after shutdown')
})

t.test('health: SERVING once ready, for the server and for the feature store service; NOT_FOUND for others', async (t) => {
  t.equal(await check(health), 'SERVING')
  t.equal(await check(health, 'feature_store.v1.FeatureStoreService'), 'SERVING')
  const unknown = await check(health, 'no.such.Service').then(() => undefined, (error: grpc.ServiceError) => error)
  t.equal(unknown?.code, grpc.status.NOT_FOUND)
})

// --- Reflection, checked as strictly as grpcurl and Postman resolve it ---------------------------

interface ReflectionResponse {
  list_services_response?: { service: Array<{ name: string }> }
  file_descriptor_response?: { file_descriptor_proto: Buffer[] }
  error_response?: { error_code: number, error_message: string }
}

/** A client of grpc.reflection.v1 from the reflection package's own .proto (not from our files). */
function reflectionStream (t: Test): (request: Record<string, string>) => Promise<ReflectionResponse> {
  const require = createRequire(import.meta.url)
  const protoPath = join(dirname(require.resolve('@grpc/reflection')), '../proto/grpc/reflection/v1/reflection.proto')
  const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath, { keepCase: true, longs: String, defaults: true, oneofs: true })) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client & { ServerReflectionInfo: () => grpc.ClientDuplexStream<Record<string, string>, ReflectionResponse> } } } }
  }
  const client = new loaded.grpc.reflection.v1.ServerReflection(`127.0.0.1:${app.grpcPort}`, grpc.credentials.createInsecure())
  const stream = client.ServerReflectionInfo()
  t.teardown(() => { stream.end(); client.close() })
  const waiting: Array<(response: ReflectionResponse) => void> = []
  stream.on('data', (response: ReflectionResponse) => waiting.shift()?.(response))
  return async (request) => await new Promise((resolve) => {
    waiting.push(resolve)
    stream.write(request)
  })
}

function protocAvailable (): boolean {
  return spawnSync('protoc', ['--version'], { stdio: 'ignore' }).status === 0
}

function compileWithProtoc (protoFiles: string[]): Map<string, IFileDescriptorProto> {
  const dir = mkdtempSync(join(tmpdir(), 'fg-protoc-'))
  try {
    const out = join(dir, 'set.bin')
    execFileSync('protoc', ['-I', findProtoDir(), `--descriptor_set_out=${out}`, ...protoFiles])
    const set = descriptor.FileDescriptorSet.decode(readFileSync(out)) as unknown as { file: IFileDescriptorProto[] }
    return new Map(set.file.map((file) => [file.name ?? '', file]))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A descriptor as plain data, without json_name (protoc fills it in; clients derive it the same way). */
function comparableDescriptor (file: IFileDescriptorProto): unknown {
  const plain = descriptor.FileDescriptorProto.toObject(descriptor.FileDescriptorProto.fromObject(file as Record<string, unknown>), { enums: String })
  return JSON.parse(JSON.stringify(plain, (key, value: unknown) => key === 'jsonName' ? undefined : value))
}

function fileNames (response: ReflectionResponse): IFileDescriptorProto[] {
  return (response.file_descriptor_response?.file_descriptor_proto ?? []).map((bytes) => descriptor.FileDescriptorProto.decode(bytes) as unknown as IFileDescriptorProto)
}

/** Fully-qualified names (".pkg.Msg") a file defines, nested types included. */
function definedIn (file: IFileDescriptorProto): Set<string> {
  const names = new Set<string>()
  const prefix = file.package === undefined || file.package === '' ? '' : `.${file.package}`
  const visit = (message: IDescriptorProto, scope: string): void => {
    const name = `${scope}.${message.name ?? ''}`
    names.add(name)
    for (const nested of message.nestedType ?? []) visit(nested, name)
    for (const e of message.enumType ?? []) names.add(`${name}.${e.name ?? ''}`)
  }
  for (const message of file.messageType ?? []) visit(message, prefix)
  for (const e of file.enumType ?? []) names.add(`${prefix}.${e.name ?? ''}`)
  return names
}

/** Every type a file refers to: field types (nested messages too) and method inputs/outputs. */
function referencedBy (file: IFileDescriptorProto): Set<string> {
  const refs = new Set<string>()
  const visit = (message: IDescriptorProto): void => {
    for (const field of message.field ?? []) if (field.typeName !== undefined && field.typeName !== '') refs.add(field.typeName)
    for (const nested of message.nestedType ?? []) visit(nested)
  }
  for (const message of file.messageType ?? []) visit(message)
  for (const service of file.service ?? []) {
    for (const method of service.method ?? []) {
      if (method.inputType !== undefined) refs.add(method.inputType)
      if (method.outputType !== undefined) refs.add(method.outputType)
    }
  }
  return refs
}

t.test('reflection: a strict client resolves every service from the server alone and can call it', async (t) => {
  const ask = reflectionStream(t)
  const listed = await ask({ list_services: '*' })
  const services = (listed.list_services_response?.service ?? []).map((s) => s.name).sort()
  t.same(services, ['feature_store.v1.FeatureStoreService', 'grpc.health.v1.Health'], 'lists the feature store and health services')

  // As grpcurl does: the file containing each service, then every dependency by file name, recursively.
  const files = new Map<string, IFileDescriptorProto>()
  const pending: string[] = []
  for (const service of services) {
    const answer = await ask({ file_containing_symbol: service })
    t.notOk(answer.error_response, `${service} resolves to a file`)
    for (const file of fileNames(answer)) {
      if (!files.has(file.name ?? '')) { files.set(file.name ?? '', file); pending.push(...(file.dependency as string[] ?? [])) }
    }
  }
  while (pending.length > 0) {
    const name = pending.pop()!
    if (files.has(name)) continue
    const answer = await ask({ file_by_filename: name })
    t.notOk(answer.error_response, `dependency ${name} can be fetched by name`)
    for (const file of fileNames(answer)) {
      if (!files.has(file.name ?? '')) { files.set(file.name ?? '', file); pending.push(...(file.dependency as string[] ?? [])) }
    }
  }
  t.ok(files.size >= 1)

  t.same([...files.keys()].sort(), ['feature_store/v1/feature_store.proto', 'grpc/health/v1/health.proto'], 'files carry their real paths')

  // Strict linking, as protoc's descriptor builder (grpc_cli, the C++/Java/Python runtimes) and Go's
  // protodesc (grpcurl) check it: every referenced type is fully qualified and defined in the file
  // itself or in a declared dependency; map entry types carry protoc's implicit names; reserved
  // ranges are end-exclusive and not empty.
  for (const file of files.values()) {
    const name = file.name ?? ''
    const visible = definedIn(file)
    for (const dependency of (file.dependency as string[] | undefined) ?? []) for (const symbol of definedIn(files.get(dependency)!)) visible.add(symbol)
    for (const ref of referencedBy(file)) t.ok(ref.startsWith('.') && visible.has(ref), `${name}: ${ref} is fully qualified and defined in the file or a declared dependency`)
    t.notOk(((file.dependency as string[] | undefined) ?? []).some((d) => d.startsWith('google/protobuf/')), `${name} imports no well-known types`)
    const visit = (message: IDescriptorProto): void => {
      for (const nested of message.nestedType ?? []) {
        visit(nested)
        if (nested.options?.mapEntry !== true) continue
        const field = (message.field ?? []).find((f) => f.typeName?.endsWith(`.${nested.name ?? ''}`) === true)
        t.equal(nested.name, mapEntryName(field?.name ?? ''), `${name}: map entry ${message.name ?? ''}.${nested.name ?? ''} has protoc's name`)
      }
      for (const range of message.reservedRange ?? []) t.ok((range.start ?? 0) < (range.end ?? 0), `${name}: reserved range ${range.start ?? 0}..${range.end ?? 0} of ${message.name ?? ''} is end-exclusive and not empty`)
    }
    for (const message of file.messageType ?? []) visit(message)
  }
  const reserved = files.get('feature_store/v1/feature_store.proto')!.messageType!.find((m) => m.name === 'GetRealtimeFeaturesResponse')!.reservedRange!
  t.same(reserved.map((r) => [r.start, r.end]), [[2, 3]], '"reserved 2" is served as [2, 3)')

  // Where protoc is installed (optional), the served descriptors are exactly what protoc writes.
  if (protocAvailable()) {
    for (const [path, compiled] of compileWithProtoc(['feature_store/v1/feature_store.proto', 'grpc/health/v1/health.proto'])) {
      t.same(comparableDescriptor(files.get(path)!), comparableDescriptor(compiled), `${path}: identical to protoc's descriptor`)
    }
  } else {
    t.comment('protoc not installed: skipping the comparison with its descriptors')
  }

  // The descriptors alone are enough to build the types and call the service.
  const fromDescriptor = (protobuf.Root as unknown as { fromDescriptor: (set: unknown) => protobuf.Root }).fromDescriptor
  const root = fromDescriptor({ file: [...files.values()] })
  t.doesNotThrow(() => root.resolveAll(), 'every reference resolves')
  const service = root.lookupService('feature_store.v1.FeatureStoreService')
  t.same(Object.keys(service.methods).sort(), ['GetOnlineFeatures', 'GetRealtimeFeatures', 'WriteFeatures'])
  const Request = root.lookupType('feature_store.v1.GetOnlineFeaturesRequest')
  const Response = root.lookupType('feature_store.v1.GetOnlineFeaturesResponse')
  const Generic = grpc.makeGenericClientConstructor({
    GetOnlineFeatures: {
      path: '/feature_store.v1.FeatureStoreService/GetOnlineFeatures',
      requestStream: false,
      responseStream: false,
      requestSerialize: (value: object) => Buffer.from(Request.encode(Request.fromObject(value)).finish()),
      responseDeserialize: (bytes: Buffer) => Response.toObject(Response.decode(bytes), { longs: String, enums: String }),
      // Server-side halves, unused by a client.
      requestDeserialize: (bytes: Buffer) => bytes,
      responseSerialize: (value: Buffer) => value
    }
  }, 'FeatureStoreService')
  const generic = new Generic(`127.0.0.1:${app.grpcPort}`, grpc.credentials.createInsecure())
  t.teardown(() => generic.close())
  const answer = await new Promise<Record<string, unknown>>((resolve, reject) => {
    (generic as unknown as Record<string, (request: object, callback: (error: Error | null, value: Record<string, unknown>) => void) => void>)
      .GetOnlineFeatures!({ entity_ids: ['user_1'], features: ['user_text:embedding', 'user_profile:region'] }, (error, value) => error === null ? resolve(value) : reject(error))
  })
  t.match(answer, {
    feature_refs: ['user_text:embedding', 'user_profile:region'],
    entity_ids: ['user_1'],
    results: [
      { values: [{ float_vector_value: { values: Array } }], statuses: [/^FEATURE_STATUS_(PRESENT|STALE)$/] },
      { values: [{ string_value: String }], statuses: ['FEATURE_STATUS_PRESENT'] }
    ]
  }, 'a call built from reflection alone decodes, names and types included')
  const embedding = (answer as { results: Array<{ values: Array<{ float_vector_value?: { values: number[] } }> }> }).results[0]!.values[0]!.float_vector_value!.values
  t.equal(embedding.length, 256)
})

t.test('health flips to NOT_SERVING when the store is unreachable, and Watch streams the change', async (t) => {
  const updates: string[] = []
  const watch = health.Watch({ service: '' })
  let next: (() => void) | undefined
  watch.on('data', (message: { status: string }) => { updates.push(message.status); next?.() })
  watch.on('error', () => {})
  t.teardown(() => watch.cancel())
  const waitFor = async (count: number): Promise<void> => {
    while (updates.length < count) await new Promise<void>((resolve) => { next = resolve })
  }
  await waitFor(1)
  t.same(updates, ['SERVING'], 'Watch starts with the current status')

  await app.featureStore.close()
  t.equal(await check(health), 'NOT_SERVING', 'Check asks readiness afresh')
  t.equal(await check(health, 'feature_store.v1.FeatureStoreService'), 'NOT_SERVING')
  await waitFor(2)
  t.same(updates, ['SERVING', 'NOT_SERVING'], 'watchers are told')
})
