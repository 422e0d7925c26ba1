import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import fp from 'fastify-plugin'
import { LogController, type FastifyInstance, type FastifyRequest } from 'fastify'

// Generous enough for UUIDs, W3C trace ids and most proxies' ids; nothing that could forge a log line.
const CALLER_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/

/**
 * Fastify's genReqId: the caller's x-request-id when it is a sane token, so one id follows a call
 * through proxies and services; a fresh UUID otherwise (unique across pods, unlike a counter).
 */
export function requestIdOf (request: IncomingMessage): string {
  const given = request.headers['x-request-id']
  return typeof given === 'string' && CALLER_REQUEST_ID.test(given) ? given : randomUUID()
}

/**
 * What a request line in the log shows: no query string (tokens and ids travel there), no
 * headers (credentials), no bodies (feature values). The route pattern says which endpoint.
 */
export function requestLogFields (request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: request.url.split('?', 1)[0],
    route: request.routeOptions.url,
    remoteAddress: request.ip
  }
}

const QUIET_PATHS = new Set(['/livez', '/readyz', '/metrics'])

/**
 * Fastify's per-request log lines, minus probes and scrapes: they arrive every few seconds from
 * every kubelet and Prometheus and would bury the requests that matter.
 */
export function requestLogController (): LogController {
  return new LogController({ disableRequestLogging: (request) => QUIET_PATHS.has(request.url.split('?', 1)[0]!) })
}

/** Returns the request id to the caller and logs slow requests above SLOW_REQUEST_MS at warn. */
async function requestLoggingPlugin (fastify: FastifyInstance): Promise<void> {
  const slowMs = fastify.config.slowRequestMs
  fastify.addHook('onRequest', async (request, reply) => {
    // Set before the handler runs so every answer carries it, error answers included.
    void reply.header('x-request-id', request.id)
  })
  if (slowMs > 0) {
    fastify.addHook('onResponse', async (request, reply) => {
      if (reply.elapsedTime < slowMs) return
      request.log.warn({ req: request, statusCode: reply.statusCode, responseTimeMs: Math.round(reply.elapsedTime), slowRequestMs: slowMs }, 'Slow request')
    })
  }
}

export default fp(requestLoggingPlugin, { name: 'featuregate-request-logging', fastify: '5.x', dependencies: ['featuregate-store'] })
