import fp from 'fastify-plugin'
import helmet from '@fastify/helmet'
import cors from '@fastify/cors'
import type { FastifyInstance } from 'fastify'

/**
 * Security headers on every HTTP answer, and CORS only for configured origins (off by default:
 * notebooks and pipelines call from servers, not browsers). The browser pages (GraphiQL, the catalogue)
 * set their own same-origin CSP; the API itself only ever answers JSON.
 */
async function httpHardeningPlugin (fastify: FastifyInstance): Promise<void> {
  await fastify.register(helmet, { contentSecurityPolicy: false, crossOriginEmbedderPolicy: false })
  const origins = fastify.config.access.corsOrigins
  if (origins.length > 0) await fastify.register(cors, { origin: [...origins], methods: ['GET', 'POST'] })
}

export default fp(httpHardeningPlugin, { name: 'featuregate-http-hardening', dependencies: ['featuregate-config', 'featuregate-store'] })
