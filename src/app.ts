import { readFileSync } from 'node:fs'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Config } from './config.js'
import { InvalidConfigError } from './errors.js'
import configPlugin from './plugins/config.js'
import httpErrorHandler from './plugins/http-error-handler.js'
import featureStore from './plugins/feature-store.js'
import { GatewayMetrics } from './plugins/metrics/gateway-metrics.js'
import metricsPlugin from './plugins/metrics/metrics-plugin.js'
import httpDraining from './plugins/http-draining.js'
import requestLogging, { requestIdOf, requestLogController, requestLogFields } from './plugins/request-logging.js'
import health from './plugins/health.js'
import admin from './plugins/admin.js'
import grpcServer from './plugins/grpc/grpc-server.js'
import access from './plugins/access.js'
import onlineFeatures from './plugins/online-features.js'
import grpcAccess from './plugins/grpc-access.js'
import httpHardening from './plugins/http-hardening.js'
import bulkReads from './plugins/bulk-reads.js'
import graphql from './plugins/graphql/index.js'
import exploreQueue from './plugins/explore-queue.js'
import pull from './plugins/pull/index.js'
import featureWrites from './plugins/feature-writes.js'
import writes from './plugins/writes/index.js'
import graphiql from './plugins/graphiql.js'
import catalog from './plugins/catalog/index.js'

function httpsOptions (config: Config): { cert: Buffer, key: Buffer } | undefined {
  const { tlsCertFile, tlsKeyFile } = config.access
  if (tlsCertFile === undefined || tlsKeyFile === undefined) return undefined
  return { cert: readFileSync(tlsCertFile), key: readFileSync(tlsKeyFile) }
}

export interface BuildAppOptions {
  /** Where log lines go instead of stdout; tests read them. */
  readonly logStream?: { write (line: string): void }
}

/**
 * Builds the gateway without listening, so tests run it in-process. The process entry point
 * (server.ts) adds listening, signals and graceful shutdown.
 */
export async function buildApp (config: Config, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  if (config.access.mode === 'unset') {
    throw new InvalidConfigError('No authentication is configured for a production store: set AUTH_API_KEYS_FILE and/or AUTH_JWKS_FILE or AUTH_JWKS_URL, or AUTH_MODE=open to run without it')
  }
  const app = Fastify({
    logger: {
      level: config.logLevel,
      serializers: { req: requestLogFields },
      ...(options.logStream !== undefined && { stream: options.logStream })
    },
    // The caller's x-request-id when sane, else a UUID (requestIdOf); returned by request-logging.
    requestIdHeader: false,
    genReqId: requestIdOf,
    logController: requestLogController(),
    // Seconds are plenty for any lookup; a stuck client must not hold a socket forever.
    requestTimeout: 30_000,
    // Opening the store may start the embedded one and load its demo data (seconds on a busy machine);
    // Fastify's 10 s default failed start-up on a loaded 2-core CI machine.
    pluginTimeout: 60_000,
    connectionTimeout: 10_000,
    bodyLimit: config.access.httpBodyLimitBytes,
    ...(httpsOptions(config) !== undefined && { https: httpsOptions(config) })
  })
  // Created before the store so the repository reports into it from its first call.
  const metrics = config.metrics.enabled ? new GatewayMetrics() : undefined
  await app.register(configPlugin, { config })
  await app.register(httpErrorHandler)
  await app.register(featureStore, { observer: metrics })
  await app.register(requestLogging)
  await app.register(httpDraining)
  await app.register(metricsPlugin, { metrics })
  await app.register(access)
  await app.register(onlineFeatures)
  await app.register(featureWrites)
  await app.register(grpcServer)
  await app.register(grpcAccess)
  await app.register(httpHardening)
  await app.register(health)
  await app.register(admin)
  await app.register(bulkReads)
  await app.register(exploreQueue)
  await app.register(graphql)
  await app.register(pull)
  await app.register(writes)
  await app.register(graphiql)
  await app.register(catalog)
  return app
}
