import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import fp from 'fastify-plugin'
import { LogController, type FastifyInstance, type FastifyRequest } from 'fastify'
import { isFeaturegateError } from '../errors.js'
import type { GrpcCallContext, GrpcCallHooks } from './grpc/call-hooks.js'

// Generous enough for UUIDs, W3C trace ids and most proxies' ids; nothing that could forge a log line.
const CALLER_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/

/**
 * Fastify's genReqId: the caller's x-request-id when it is a sane token, so one id follows a call
 * through proxies and services; a fresh UUID otherwise (unique across pods, unlike a counter).
 */
export function requestIdOf (request: IncomingMessage): string {
  return callerIdOr(request.headers['x-request-id'])
}

function callerIdOr (given: unknown): string {
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
/** Levels at which a successful gRPC call is logged. */
const VERBOSE_LEVELS = new Set(['debug', 'trace'])

/**
 * Fastify's per-request log lines, minus probes and scrapes: they arrive every few seconds from
 * every kubelet and Prometheus and would bury the requests that matter.
 */
export function requestLogController (): LogController {
  return new LogController({ disableRequestLogging: (request) => QUIET_PATHS.has(request.url.split('?', 1)[0]!) })
}

/**
 * The same for gRPC, through the server's call hooks: the id from `x-request-id` metadata (or a
 * UUID), returned as response metadata, and one JSON line per finished call (successful ones at
 * debug) with the method, status, time and typed error code; never metadata values (credentials) or messages (features).
 */
function logGrpcCalls (fastify: FastifyInstance, hooks: GrpcCallHooks, slowMs: number): void {
  const log = fastify.log
  const idOf = (call: GrpcCallContext): string => (call.requestId ??= callerIdOr(call.header('x-request-id')))
  hooks.onCallStart((call) => { call.setResponseHeader('x-request-id', idOf(call)) })
  hooks.onCallDone((call, outcome) => {
    const responseTimeMs = Math.round(outcome.seconds * 1e6) / 1e3
    const ok = outcome.codeName === 'OK'
    const slow = slowMs > 0 && responseTimeMs >= slowMs
    // The online path answers thousands of calls a second and metrics count every one: a line per
    // successful call (~25 µs of synchronous stdout each, measured) only at debug; failures at info.
    // Nothing is built for a line that will not be written.
    if (ok && !slow && !VERBOSE_LEVELS.has(log.level)) return
    const fields = {
      reqId: idOf(call),
      grpc: { method: call.method, code: outcome.codeName },
      ...(isFeaturegateError(outcome.error) && { errorCode: outcome.error.code }),
      responseTimeMs
    }
    if (ok) log.debug(fields, 'gRPC call completed')
    else log.info(fields, 'gRPC call completed')
    if (slow) log.warn({ ...fields, slowRequestMs: slowMs }, 'Slow gRPC call')
  })
}

/**
 * Request ids and request logs for both protocols: HTTP answers carry `x-request-id` (Fastify
 * took it from the caller through requestIdOf), gRPC calls likewise through the call hooks, and
 * calls slower than SLOW_REQUEST_MS are logged again at warn.
 */
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
  // The gRPC plugin may be registered after this one; by onReady every plugin has loaded, and no
  // call arrives before the gRPC server binds in its own onReady.
  fastify.addHook('onReady', async () => {
    if (fastify.hasDecorator('grpcCallHooks')) logGrpcCalls(fastify, fastify.grpcCallHooks, slowMs)
  })
}

export default fp(requestLoggingPlugin, { name: 'featuregate-request-logging', fastify: '5.x', dependencies: ['featuregate-config', 'featuregate-store'] })
