import Fastify, { type FastifyInstance } from 'fastify'
import type { Config } from './config.js'
import featureStore from './plugins/feature-store.js'
import health from './plugins/health.js'

/**
 * Builds the gateway without listening, so tests run it in-process. The process entry point
 * (server.ts) adds listening, signals and graceful shutdown.
 */
export async function buildApp (config: Config): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: config.logLevel },
    requestIdHeader: 'x-request-id',
    // Seconds are plenty for any lookup; a stuck client must not hold a socket forever.
    requestTimeout: 30_000,
    connectionTimeout: 10_000
  })
  await app.register(featureStore, { config })
  await app.register(health)
  return app
}
