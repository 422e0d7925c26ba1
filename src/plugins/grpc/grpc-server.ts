import { readFileSync } from 'node:fs'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import * as grpc from '@grpc/grpc-js'
import { ReflectionService } from '@grpc/reflection'
import type { Config } from '../../config.js'
import { GrpcCallHooks } from './call-hooks.js'
import { featureStoreHandlers, featureStoreServiceDefinition } from './feature-store-service.js'
import { HealthService } from './health-service.js'
import { FEATURE_STORE_PROTO, FEATURE_STORE_SERVICE, HEALTH_PROTO, loadProtoContract } from './proto-contract.js'
import { reflectionPackageDefinition } from './reflection-descriptors.js'
import { createResponseCodec } from './response-codec.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The port the gRPC server is bound to once the app is ready (GRPC_PORT, or the one picked for 0). */
    readonly grpcPort: number
    /** Where auth, rate limits, request ids and logging hook into every feature-store call. */
    readonly grpcCallHooks: GrpcCallHooks
  }
}

export interface GrpcPluginOptions {
  /** Defaults to TLS when TLS_CERT_FILE/TLS_KEY_FILE are set, plaintext otherwise. */
  readonly credentials?: grpc.ServerCredentials
  /** How long in-flight calls get on close before they are cut off; defaults to 90% of SHUTDOWN_GRACE_MS. */
  readonly shutdownGraceMs?: number
  /** How often readiness is asked for the health service's watchers. */
  readonly healthIntervalMs?: number
}

/** Requests are ids and references: 1,000 ids of 1 KB fit with room to spare. */
export const MAX_RECEIVE_MESSAGE_BYTES = 4 * 1024 * 1024
/**
 * Answers carry embeddings: 1,000 entities x a 256-d embedding is ~1 MB, several embedding features
 * a few MB. Clients must accept at least this much (gRPC's default client limit is 4 MB); the
 * example client does.
 */
export const MAX_SEND_MESSAGE_BYTES = 64 * 1024 * 1024
/**
 * Keep-alive for long-lived client channels, set together with the example client's
 * (examples/grpc-client.ts, a test checks they agree): both sides ping an idle connection every
 * 60 s and give up after 20 s without an answer, so a half-open connection (a pod gone without a
 * FIN) is noticed within a minute and a half, and NAT and load-balancer idle timers (AWS NLB: 350 s)
 * never fire. grpc-js servers accept client pings at any rate; a proxy in between that enforces a
 * minimum (C-core's default: 5 minutes without calls) needs the client's interval raised to match,
 * or it answers GOAWAY too_many_pings.
 */
export const SERVER_KEEPALIVE = {
  'grpc.keepalive_time_ms': 60_000,
  'grpc.keepalive_timeout_ms': 20_000,
  /** Connections are recycled after this long (plus jitter from grpc-js) so clients rebalance onto new pods. */
  'grpc.max_connection_age_ms': 10 * 60_000,
  /** In-flight calls on a recycled connection get this long to finish. */
  'grpc.max_connection_age_grace_ms': 30_000
} as const

function serverOptions (): grpc.ServerOptions {
  return {
    'grpc.max_receive_message_length': MAX_RECEIVE_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_SEND_MESSAGE_BYTES,
    ...SERVER_KEEPALIVE
    // Channelz stays on (the default) although we serve no channelz service: in grpc-js 1.14 with
    // 'grpc.enable_channelz': 0, forceShutdown no longer destroys open sessions (it only walks the
    // channelz session map), so calls cut off at the end of the grace period would hang instead.
    // test/grpc/lifecycle.test.ts catches that.
  }
}

function defaultCredentials (config: Config): grpc.ServerCredentials {
  const { tlsCertFile, tlsKeyFile } = config.access
  if (tlsCertFile === undefined || tlsKeyFile === undefined) return grpc.ServerCredentials.createInsecure()
  return grpc.ServerCredentials.createSsl(null, [{ cert_chain: readFileSync(tlsCertFile), private_key: readFileSync(tlsKeyFile) }], false)
}

function bindAddress (host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

/**
 * The gRPC server, co-hosted with Fastify and living by its lifecycle: services registered with the
 * plugin, bound when the app is ready, health flipped to NOT_SERVING as close begins, then a
 * graceful shutdown bounded in time and forced after it.
 */
async function grpcPlugin (fastify: FastifyInstance, options: GrpcPluginOptions): Promise<void> {
  const { config } = fastify
  const contract = loadProtoContract()
  const codec = createResponseCodec(contract.protoDir)
  const hooks = new GrpcCallHooks()
  const server = new grpc.Server(serverOptions())

  server.addService(featureStoreServiceDefinition(contract.featureStore.FeatureStoreService.service, codec), featureStoreHandlers({
    online: fastify.onlineFeatures,
    writes: fastify.featureWrites,
    codec,
    hooks,
    observer: () => fastify.observer,
    log: fastify.log
  }))
  const health = new HealthService({
    services: [FEATURE_STORE_SERVICE],
    check: async () => (await fastify.readiness.check()).ready
  })
  server.addService(contract.health.Health.service, health.handlers)
  new ReflectionService(reflectionPackageDefinition(contract.packageDefinition, {
    'feature_store.v1': FEATURE_STORE_PROTO,
    'grpc.health.v1': HEALTH_PROTO
  })).addToServer(server)

  let port = 0
  fastify.decorate('grpcPort', { getter: () => port })
  fastify.decorate('grpcCallHooks', hooks)

  let timer: NodeJS.Timeout | undefined
  fastify.addHook('onReady', async () => {
    port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(bindAddress(config.host, config.grpcPort), options.credentials ?? defaultCredentials(config), (error, bound) => {
        if (error === null) resolve(bound)
        else reject(new Error(`gRPC server cannot bind ${bindAddress(config.host, config.grpcPort)}: ${error.message}`))
      })
    })
    await health.refresh()
    // Draining is known at once (a flag); the store's reachability is asked every few ticks.
    const intervalMs = options.healthIntervalMs ?? 5_000
    let lastCheck = performance.now()
    timer = setInterval(() => {
      if (fastify.readiness.draining || performance.now() - lastCheck >= intervalMs) {
        lastCheck = performance.now()
        void health.refresh()
      }
    }, Math.min(1_000, intervalMs))
    timer.unref()
    fastify.log.info({ port, health: health.status }, `gRPC server listening on ${bindAddress(config.host, port)}`)
  })

  fastify.addHook('preClose', () => {
    clearInterval(timer)
    health.shutdown()
  })

  // onClose hooks run in reverse registration order, so this drains before the store closes.
  fastify.addHook('onClose', async () => {
    clearInterval(timer)
    health.shutdown()
    const graceMs = options.shutdownGraceMs ?? Math.floor(config.lifecycle.shutdownGraceMs * 0.9)
    const forced = await new Promise<boolean>((resolve) => {
      const deadline = setTimeout(() => {
        server.forceShutdown()
        resolve(true)
      }, graceMs)
      server.tryShutdown(() => {
        clearTimeout(deadline)
        resolve(false)
      })
    })
    if (forced) fastify.log.warn({ graceMs }, 'gRPC calls still in flight after the grace period were cancelled')
  })
}

export default fp(grpcPlugin, { name: 'featuregate-grpc', fastify: '5.x', dependencies: ['featuregate-config', 'featuregate-store', 'featuregate-online-features', 'featuregate-feature-writes'] })
