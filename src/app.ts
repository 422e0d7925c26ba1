import { readFileSync } from 'node:fs'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Config } from './config.js'
import { InvalidConfigError } from './errors.js'
import featureStore from './plugins/feature-store.js'
import health from './plugins/health.js'
import access from './plugins/access.js'
import httpHardening from './plugins/http-hardening.js'

function httpsOptions (config: Config): { cert: Buffer, key: Buffer } | undefined {
  const { tlsCertFile, tlsKeyFile } = config.access
  if (tlsCertFile === undefined || tlsKeyFile === undefined) return undefined
  return { cert: readFileSync(tlsCertFile), key: readFileSync(tlsKeyFile) }
}

/**
 * Builds the gateway without listening, so tests run it in-process. The process entry point
 * (server.ts) adds listening, signals and graceful shutdown.
 */
export async function buildApp (config: Config): Promise<FastifyInstance> {
  if (config.access.mode === 'unset') {
    throw new InvalidConfigError('No authentication is configured for a production store: set AUTH_API_KEYS_FILE and/or AUTH_JWKS_FILE or AUTH_JWKS_URL, or AUTH_MODE=open to run without it')
  }
  const app = Fastify({
    logger: { level: config.logLevel },
    requestIdHeader: 'x-request-id',
    // Seconds are plenty for any lookup; a stuck client must not hold a socket forever.
    requestTimeout: 30_000,
    connectionTimeout: 10_000,
    bodyLimit: config.access.httpBodyLimitBytes,
    ...(httpsOptions(config) !== undefined && { https: httpsOptions(config) })
  })
  await app.register(featureStore, { config })
  await app.register(access)
  await app.register(httpHardening)
  await app.register(health)
  return app
}
