import * as grpc from '@grpc/grpc-js'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { FeatureStoreClient } from '../../examples/grpc-client.js'
import { loadDemoData } from '../../src/demo/load-demo-data.js'
import { startEmbeddedDynamo } from '../../src/repo/embedded-dynamo.js'
import { loadProtoContract } from '../../src/plugins/grpc/proto-contract.js'
import type { HealthClient } from '../../src/generated/proto/grpc/health/v1/Health.js'
import { build } from '../helpers/build-app.js'
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js'
import { LOCAL_CREDENTIALS, openTestStore } from '../helpers/test-store.js'

/** The example client (so the example is what the tests exercise), on the app's bound port. */
export function clientFor (t: Test, app: FastifyInstance, defaultDeadlineMs = 10_000): FeatureStoreClient {
  const client = new FeatureStoreClient(`127.0.0.1:${app.grpcPort}`, { defaultDeadlineMs })
  t.teardown(() => client.close())
  return client
}

export function healthClientFor (t: Test, app: FastifyInstance): HealthClient {
  const { health } = loadProtoContract()
  const client = new health.Health(`127.0.0.1:${app.grpcPort}`, grpc.credentials.createInsecure())
  t.teardown(() => client.close())
  return client
}

export async function check (client: HealthClient, service = ''): Promise<string> {
  return await new Promise((resolve, reject) => {
    client.Check({ service }, { deadline: Date.now() + 10_000 }, (error, response) => {
      if (error !== null) reject(error)
      else resolve(response?.status ?? 'missing')
    })
  })
}

/** The ServiceError a call failed with; fails the test if the call succeeded. */
export async function failureOf (t: Test, call: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await call
  } catch (error) {
    return error as grpc.ServiceError
  }
  t.fail('expected the call to fail')
  return Object.assign(new Error('call succeeded'), { code: grpc.status.OK, details: '', metadata: new grpc.Metadata() })
}

export interface GatewayBehindProxy {
  readonly app: FastifyInstance
  readonly proxy: FaultProxy
}

/**
 * The whole gateway talking to a real dynalite (or the server at `upstream`, a backend's endpoint, which
 * several tests may share: each gets tables of its own; demo data loaded) through the fault-injecting
 * proxy, for the faults a local store never produces on its own: throttling and calls that never answer.
 */
export async function gatewayBehindProxy (t: Test, users: number, env: Record<string, string> = {}, upstream?: string): Promise<GatewayBehindProxy> {
  let endpoint: string
  if (upstream === undefined) {
    const embedded = await startEmbeddedDynamo()
    t.teardown(async () => await embedded.close())
    endpoint = embedded.endpoint
  } else {
    endpoint = upstream
  }
  const seed = await openTestStore(t, endpoint)
  await loadDemoData(seed, users, 42)
  const proxy = await startFaultProxy(t, endpoint)
  // The app in AWS mode takes credentials from the standard chain; a local server accepts any.
  process.env.AWS_ACCESS_KEY_ID ??= LOCAL_CREDENTIALS.accessKeyId
  process.env.AWS_SECRET_ACCESS_KEY ??= LOCAL_CREDENTIALS.secretAccessKey
  const app = await build(t, {
    DYNAMODB_ENDPOINT: proxy.endpoint,
    AWS_REGION: 'us-east-1',
    FEATURE_TABLE: seed.featureTable,
    REGISTRY_TABLE: seed.registryTable,
    AUTH_MODE: 'open',
    ...env
  })
  return { app, proxy }
}
